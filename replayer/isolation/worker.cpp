#include "replayer/isolation/worker.h"

#include <unistd.h>

#include <memory>

#include "backends/target.h"
#include "replayer/call_runner.h"
#include "replayer/isolation/channel.h"
#include "replayer/isolation/result_codec.h"
#include "store/reader.h"

namespace tapml::replay {
namespace {

struct Opened {
  const backends::Backend* backend = nullptr;
  std::unique_ptr<backends::Device> device;
  std::unique_ptr<store::TraceReader> trace;
  TolerancePolicy tolerance = TolerancePolicy::defaults();
};

void serve(int fd, const Opened& opened, CallRunner& runner) {
  nlohmann::json request;
  while (receive_message(fd, request, std::nullopt) == ReadOutcome::Message) {
    if (request.contains("plan")) {
      const int repeat = request.value("repeat", 1);
      for (const int64_t seq : request.at("plan").get<std::vector<int64_t>>()) {
        const store::Call call = opened.trace->call(static_cast<size_t>(seq));
        for (int run = 0; run < repeat; ++run) runner.builder().expect_uses(call);
      }
      continue;
    }
    const auto seq = request.at("run").get<int64_t>();
    nlohmann::json reply;
    try {
      const store::Call call = opened.trace->call(static_cast<size_t>(seq));
      std::string skipped;
      const std::optional<CallResult> result = runner.run(call, &skipped, request.value("runs", 1));
      if (result) {
        reply["result"] = result_to_json(*result);
      } else {
        reply["skipped"] = skipped;
      }
    } catch (const store::TraceError& e) {
      reply["trace_error"] = e.what();
    } catch (const backends::DeviceLost& e) {
      reply["device_lost"] = e.what();
    }
    if (!send_message(fd, reply)) return;
  }
}

}  // namespace

int run_worker(const WorkerOptions& options) {
  const int fd = options.channel_fd;
  // A kernel that prints must not write into the channel's replies: this
  // process's stdout goes to stderr, as the replay's own output would.
  ::dup2(STDERR_FILENO, STDOUT_FILENO);
  Opened opened;
  try {
    opened.backend = &backends::resolve_target(options.target, "--target");
    opened.device = opened.backend->open(options.device);
    opened.trace = store::TraceReader::open(options.trace);
    if (!options.tolerance_file.empty()) opened.tolerance.load_file(options.tolerance_file);
  } catch (const std::exception& e) {
    send_message(fd, {{"fatal", e.what()}});
    return 2;
  }
  CallRunner runner(*opened.trace, *opened.backend, *opened.device, opened.tolerance);
  if (!send_message(fd, {{"ready", true}})) return 0;
  serve(fd, opened, runner);
  return 0;
}

}  // namespace tapml::replay
