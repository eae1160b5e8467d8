// tapml-serve: runs on the device machine and executes kernel requests for
// one backend. docs/remote.md describes the protocol and the flags.
#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>

#include "backends/target.h"
#include "common/exit_code.h"
#include "common/tool_cli.h"
#include "remote/protocol/token.h"
#ifdef TAPML_HAS_BROWSER
#include "remote/browser/browser_scheme.h"
#endif
#include "remote/server/server.h"

namespace {

std::atomic<bool> stop_requested{false};

void request_stop(int) { stop_requested = true; }

int fail(const std::string& message) {
  return tapml::exit_with("tapml-serve", tapml::ExitCode::kBadInput, message);
}

}  // namespace

static int tool_main(int argc, char** argv) {
#ifdef TAPML_HAS_BROWSER
  tapml::remote::browser::register_browser_scheme();  // --target browser://127.0.0.1:8600
#endif
  using tapml::remote::ServerOptions;
  ServerOptions options;
  std::string token_file;
  bool list_targets = false;
  CLI::App app{"tapml-serve: run kernel requests of TapML clients on this machine's device"};
  tapml::describe_tool(
      app, "tapml-serve",
      "TAPML_TOKEN=$(cat token) tapml-serve --target vulkan --listen 0.0.0.0:7461");
  app.add_option("--target", options.target,
                 "what to serve: cpu, vulkan, opencl, webgpu, a provider (./libmine.so, a name on "
                 "TAPML_PROVIDER_PATH), or browser://HOST:PORT (a browser tab that opens the "
                 "page there runs the WebGPU kernels); NAME:N or NAME:TEXT picks the device");
  app.add_option("--listen", options.listen, "HOST:PORT to listen on (port 0: any free port)")
      ->capture_default_str();
  app.add_option("--device", options.device, "which device of the target")->capture_default_str();
  app.add_option("--token-file", token_file,
                 "file holding the shared token (default: the environment variable TAPML_TOKEN)");
  app.add_option("--max-message-bytes", options.limits.max_message_bytes,
                 "largest frame accepted; bigger ones drop the connection")
      ->capture_default_str();
  app.add_option("--max-tensor-bytes", options.limits.max_tensor_bytes,
                 "largest buffer one request may allocate, upload or download")
      ->capture_default_str();
  app.add_option("--max-session-bytes", options.limits.max_session_bytes,
                 "device memory one session may hold")
      ->capture_default_str();
  app.add_option("--cache-bytes", options.limits.cache_bytes,
                 "host memory of each session's content cache")
      ->capture_default_str();
  app.add_option("--idle-timeout", options.idle_timeout_s,
                 "seconds after which a silent session is closed and its memory freed")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--max-sessions", options.max_sessions, "sessions served at once")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_flag("--list-targets", list_targets, "print the targets of this build and exit");
  if (const auto code = tapml::parse_command_line(app, argc, argv, "tapml-serve")) return *code;
  if (list_targets) {
    for (const tapml::backends::TargetListing& target : tapml::backends::list_targets()) {
      std::cout << target.name;
      if (!target.provider.empty()) std::cout << " (provider " << target.provider << ")";
      if (!target.error.empty()) std::cout << ": unavailable: " << target.error;
      std::cout << "\n";
    }
    return 0;
  }
  if (options.target.empty()) return fail("--target is required (see --list-targets)");
  try {
    options.token = tapml::remote::read_token(token_file);
  } catch (const std::exception& error) {
    return fail(std::string(error.what()) + "; refusing to serve without one");
  }

  std::unique_ptr<tapml::remote::Server> server;
  try {  // a port in use, a target that cannot open: bad input
    server = std::make_unique<tapml::remote::Server>(options);
  } catch (const std::exception& error) {
    return fail(error.what());
  }
  std::signal(SIGINT, request_stop);
  std::signal(SIGTERM, request_stop);
  std::cout << "tapml-serve: listening on " << server->endpoint() << ", target " << options.target
            << ", device " << server->device_name() << std::endl;
  try {
    server->run(stop_requested);
  } catch (const std::exception& error) {  // serving broke after it started
    return tapml::exit_tapml_failed("tapml-serve", error);
  }
  return 0;
}

int main(int argc, char** argv) { return tapml::run_tool("tapml-serve", tool_main, argc, argv); }
