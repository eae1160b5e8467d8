// tapml-replay-worker: the worker process of tapml-replay --isolate
// (replayer/isolation/worker.h). Started by tapml-replay with a channel on
// fd 3; not meant to be run by hand.
#include <CLI/CLI.hpp>

#include "common/exit_code.h"
#include "common/tool_cli.h"
#include "replayer/isolation/worker.h"

int main(int argc, char** argv) {
  CLI::App app{"The worker process of tapml-replay --isolate (started by tapml-replay).",
               "tapml-replay-worker"};
  tapml::describe_tool(app, "tapml-replay-worker",
                       "(started by tapml-replay --isolate, not by hand)");
  tapml::replay::WorkerOptions options;
  app.add_option("--trace", options.trace)->required();
  app.add_option("--target", options.target)->required();
  app.add_option("--device", options.device);
  app.add_option("--tolerance", options.tolerance_file);
  app.add_option("--channel-fd", options.channel_fd);
  if (const auto code = tapml::parse_command_line(app, argc, argv, "tapml-replay-worker")) {
    return *code;
  }
  try {
    return tapml::replay::run_worker(options);
  } catch (const std::exception& e) {
    return tapml::exit_tapml_failed("tapml-replay-worker", e);
  }
}
