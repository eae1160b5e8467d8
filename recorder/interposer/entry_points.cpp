// How the interposer starts: from the environment when LD_PRELOAD loads it
// (tapml-record sets TAPML_OUTPUT and TAPML_CONFIG_JSON), or from Python
// (torch.ops.load_library, then torch.ops.tapml.start / stop, or the C
// functions below through ctypes). The C functions are also how the Python
// boot pushes module scopes and checks the torch version.
#include <torch/library.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "recorder/common/capture_config.h"
#include "recorder/common/progress.h"
#include "recorder/interposer/recorder.h"

using tapml::recorder::CaptureConfig;
using tapml::recorder::Recorder;

namespace {

thread_local std::string t_last_error;

CaptureConfig config_for(const char* output, const char* config_json) {
  CaptureConfig config =
      tapml::recorder::capture_config_from_json(config_json == nullptr ? "" : config_json);
  if (output != nullptr && *output != '\0') config.output = output;
  return config;
}

// LD_PRELOAD: libtorch's static initialisers ran before ours (it is our
// dependency), so the dispatcher and RecordFunction exist already.
struct StartFromEnvironment {
  StartFromEnvironment() {
    const char* output = std::getenv("TAPML_OUTPUT");
    if (output == nullptr || *output == '\0') return;
    try {
      CaptureConfig config = config_for(output, std::getenv("TAPML_CONFIG_JSON"));
      config.finish = false;  // tapml-record converts the spool once the program is gone
      Recorder::get().arm(std::move(config));
    } catch (const std::exception& e) {
      std::ofstream(tapml::recorder::error_path(output)) << "interposer: " << e.what() << "\n";
    }
  }
} g_start_from_environment;

void start_op(const std::string& output, const std::string& config_json) {
  CaptureConfig config;
  try {
    config = config_for(output.c_str(), config_json.c_str());
  } catch (const std::exception& e) {
    TORCH_CHECK(false, e.what());
  }
  if (config_json.find("\"finish\"") == std::string::npos) config.finish = true;
  try {
    Recorder::get().start(std::move(config));
  } catch (const std::exception& e) {
    TORCH_CHECK(false, e.what());
  }
}

void stop_op() {
  std::string error = Recorder::get().stop();
  TORCH_CHECK(error.empty(), error);
}

std::string torch_version_op() { return TAPML_TORCH_VERSION; }

}  // namespace

TORCH_LIBRARY(tapml, m) {
  m.def("start(str output, str config) -> ()", &start_op);
  m.def("stop() -> ()", &stop_op);
  m.def("torch_version() -> str", &torch_version_op);
}

#define TAPML_EXPORT extern "C" __attribute__((visibility("default")))

TAPML_EXPORT const char* tapml_torch_version() { return TAPML_TORCH_VERSION; }

// 0 on success; otherwise tapml_last_error() says why.
TAPML_EXPORT int tapml_start(const char* output, const char* config_json) {
  try {
    CaptureConfig config = config_for(output, config_json);
    if (config_json == nullptr ||
        std::string(config_json).find("\"finish\"") == std::string::npos) {
      config.finish = true;
    }
    Recorder::get().start(std::move(config));
    return 0;
  } catch (const std::exception& e) {
    t_last_error = e.what();
    return 1;
  }
}

TAPML_EXPORT int tapml_stop() {
  t_last_error = Recorder::get().stop();
  return t_last_error.empty() ? 0 : 1;
}

TAPML_EXPORT const char* tapml_last_error() { return t_last_error.c_str(); }

TAPML_EXPORT void tapml_push_scope(const char* path) { Recorder::get().push_scope(path); }

TAPML_EXPORT void tapml_pop_scope() { Recorder::get().pop_scope(); }

TAPML_EXPORT void tapml_set_meta(const char* key, const char* value) {
  Recorder::get().set_meta(key, value);
}
