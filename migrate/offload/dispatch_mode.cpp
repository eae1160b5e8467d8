// How calls reach the offload mode. LD_PRELOAD (tapml-record, when
// offload_target is set) loads this library; its start-up reads the request
// from the environment, checks it, and switches on a dispatch key for the
// main thread. TESTING_ONLY_GenericMode is the one mode key torch leaves
// unused, and it sits above autograd: every operator call of the thread
// comes through the fallback below before any kernel runs. Ops that
// decompose pass on to their parts, which come back here one by one.
#include <ATen/core/dispatch/Dispatcher.h>
#include <c10/core/impl/LocalDispatchKeySet.h>
#include <torch/library.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "migrate/offload/offloader.h"
#include "recorder/common/progress.h"

namespace {

constexpr c10::DispatchKey kModeKey = c10::DispatchKey::TESTING_ONLY_GenericMode;

void offload_fallback(const c10::OperatorHandle& op, c10::DispatchKeySet keys,
                      torch::jit::Stack* stack) {
  if (tapml::offload::Offloader::get().try_run(op, *stack)) return;
  const tapml::offload::ReferenceScope reference(op);
  op.redispatchBoxed(keys & c10::DispatchKeySet(c10::DispatchKeySet::FULL_AFTER, kModeKey), stack);
}

}  // namespace

// A request that cannot be served stops the program before its first
// operator (exit 2), a lost remote target during a call (exit 1).
[[noreturn]] void tapml::offload::stop_program(const std::string& line, int exit_code) {
  const char* output = std::getenv("TAPML_OUTPUT");
  if (output != nullptr && *output != '\0') {
    std::ofstream(tapml::recorder::error_path(output)) << line << "\n";  // tapml-record prints it
  } else {
    std::fprintf(stderr, "tapml-offload: %s\n", line.c_str());
    std::fflush(stderr);
  }
  ::_exit(exit_code);
}

TORCH_LIBRARY_IMPL(_, TESTING_ONLY_GenericMode, m) {
  m.fallback(torch::CppFunction::makeFromBoxedFunction<&offload_fallback>());
}

namespace {

struct StartFromEnvironment {
  StartFromEnvironment() {
    using tapml::offload::Offloader;
    try {
      tapml::offload::OffloadRequest request = tapml::offload::request_from_environment();
      if (request.target.empty()) return;
      Offloader::get().configure(std::move(request));
    } catch (const std::exception& e) {
      tapml::offload::stop_program(e.what(), 2);
    }
    c10::impl::tls_set_dispatch_key_included(kModeKey, true);
    std::atexit([] { Offloader::get().write_report(); });
  }
} g_start_from_environment;

}  // namespace
