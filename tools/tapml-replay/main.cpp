// tapml-replay: replays every recorded compute call of a trace on a target's
// kernels and reports which kernels are wrong and by how much.
// Exit codes (common/exit_code.h): 0 nothing failed, 1 failures, errors or
// flaky calls (or coverage below --min-coverage), 2 bad input or usage, or a
// missing target, 3 TapML itself failed (a lost device, an internal error).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "backends/backend.h"
#include "backends/provider/provider_library.h"
#include "backends/target.h"
#include "common/exit_code.h"
#include "common/progress.h"
#include "common/tool_cli.h"
#include "replayer/replayer.h"
#include "store/reader.h"
#ifdef TAPML_HAS_REMOTE
#include "remote/client/remote_backend.h"
#include "remote/client/remote_scheme.h"
#endif
#ifdef TAPML_HAS_BROWSER
#include "remote/browser/browser_scheme.h"
#endif

namespace {

using namespace tapml;

struct Args {
  std::string trace;
  std::string target;
  int device = 0;
  std::string op;
  std::string calls;
  std::string tolerance;
  std::string json, junit, html;
  std::string remote, token_file;  // --remote HOST:PORT: the target runs on a tapml-serve
  bool list_targets = false;
  bool fail_fast = false;
  bool no_progress = false;
  bool descend = false;
  bool isolate = false, no_isolate = false;  // neither: isolated for a provider's path
  double call_timeout = 0;
  double min_coverage = 0;
  size_t show_failures = 10;
  int repeat = 1;
};

// Bad input: one line on stderr, exit 2.
struct UsageError {
  std::string message;
};

// Each target with its devices, or the line saying why it cannot be used:
// built-in backends, then the providers on TAPML_PROVIDER_PATH.
int list_targets(bool json) {
  const std::vector<backends::TargetListing> targets = backends::list_targets();
  if (json) {
    nlohmann::json out = nlohmann::json::array();
    for (const backends::TargetListing& t : targets) {
      nlohmann::json devices = nlohmann::json::array();
      for (const backends::DeviceInfo& d : t.devices) {
        devices.push_back({{"index", d.index}, {"name", d.name}});
      }
      nlohmann::json entry = {{"name", t.name}, {"devices", devices}};
      if (!t.provider.empty()) entry["provider"] = t.provider;
      if (!t.provider.empty() && t.loaded) {
        entry["version"] = t.version;
        entry["ops"] = t.ops;
      }
      if (!t.error.empty()) entry["error"] = t.error;
      out.push_back(entry);
    }
    std::cout << out.dump(1) << "\n";
    return 0;
  }
  for (const backends::TargetListing& t : targets) {
    if (!t.loaded) {
      std::cout << t.provider << ": cannot load: " << t.error << "\n";
      continue;
    }
    if (!t.provider.empty()) {
      std::cout << t.name << " (provider " << t.provider << ", version " << t.version << ", "
                << t.ops << " ops)\n";
    }
    if (!t.error.empty()) {
      std::cout << t.name << ": unavailable: " << t.error << "\n";
    } else if (t.devices.empty()) {
      std::cout << t.name << ": no devices\n";
    }
    for (const backends::DeviceInfo& d : t.devices) {
      std::cout << t.name << " --device " << d.index << ": " << d.name << "\n";
    }
  }
  return 0;
}

// --list-targets [--json]: handled before the replay's flags, where --json
// takes a report file.
bool asks_list_targets(int argc, char** argv, bool& json) {
  bool list = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    list = list || arg == "--list-targets";
    json = json || arg == "--json";
  }
  return list;
}

// "A:B", "A:", ":B": seqs A..B-1.
void parse_calls(const std::string& text, replay::CallFilter& filter) {
  const size_t colon = text.find(':');
  auto number = [&](const std::string& part, int64_t fallback) -> int64_t {
    if (part.empty()) return fallback;
    size_t used = 0;
    long long value = -1;
    try {
      value = std::stoll(part, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != part.size() || value < 0) {
      throw UsageError{"--calls " + text + ": expected A:B with seqs A <= B (e.g. 100:200)"};
    }
    return value;
  };
  if (colon == std::string::npos) {
    throw UsageError{"--calls " + text + ": expected A:B with seqs A <= B (e.g. 100:200)"};
  }
  filter.first = number(text.substr(0, colon), 0);
  filter.end = number(text.substr(colon + 1), INT64_MAX);
  if (filter.first > filter.end) {
    throw UsageError{"--calls " + text + ": the first seq is after the end"};
  }
}

// Report files are checked before the replay so a typo costs no time.
void check_writable(const std::string& path, const char* flag) {
  if (path.empty()) return;
  std::ofstream probe(path, std::ios::app);
  if (!probe) throw UsageError{std::string(flag) + " " + path + ": cannot be written"};
}

// A replay that tests nothing is bad input, never a green run.
void require_something_ran(const Args& args, const replay::Summary& s, size_t trace_calls) {
  std::string selection;
  if (!args.op.empty()) selection = "--op '" + args.op + "'";
  if (!args.calls.empty()) {
    selection += (selection.empty() ? "" : " with ") + ("--calls " + args.calls);
  }
  const std::string why = replay::nothing_replayed(s, selection, trace_calls);
  if (!why.empty()) throw UsageError{why};
}

replay::ReplayOptions make_options(const Args& args, int device_index) {
  replay::ReplayOptions options;
  options.leaves = args.descend;
  options.fail_fast = args.fail_fast;
  if (args.repeat < 1) {
    throw UsageError{"--repeat " + std::to_string(args.repeat) +
                     ": runs per call must be 1 or more"};
  }
  options.repeat = args.repeat;
  try {
    options.filter.op = store::OpPattern(args.op, "--op");
  } catch (const store::OpPatternError& e) {
    throw UsageError{e.what()};
  }
  if (!args.calls.empty()) parse_calls(args.calls, options.filter);
  if (!args.tolerance.empty()) {
    try {
      options.tolerance.load_file(args.tolerance);
    } catch (const replay::ToleranceError& e) {
      throw UsageError{e.what()};
    }
  }
  if (args.call_timeout < 0) {
    throw UsageError{"--call-timeout " + std::to_string(args.call_timeout) +
                     ": seconds must be 0 (no limit) or more"};
  }
  // A kernel loaded from a path is one under development: one that crashes
  // must cost its call, not the run. --call-timeout needs a worker to kill.
  if (args.isolate && args.no_isolate) throw UsageError{"--isolate and --no-isolate: pick one"};
  const bool isolate =
      args.isolate || (!args.no_isolate && args.remote.empty() &&
                       replay::isolated_by_default(args.target, args.call_timeout));
  if (args.call_timeout > 0 && !isolate) {
    throw UsageError{"--call-timeout needs the calls in a worker process; drop --no-isolate"};
  }
  if (isolate) {
    if (!args.remote.empty()) {
      throw UsageError{"--isolate with --remote: the server is the worker already; drop one"};
    }
    replay::IsolationOptions isolation;
    isolation.worker = replay::worker_executable();
    isolation.trace = args.trace;
    isolation.target = args.target;
    isolation.device = device_index;
    isolation.tolerance_file = args.tolerance;
    isolation.call_timeout_s = args.call_timeout;
    options.isolation = isolation;
  }
  return options;
}

int run(const Args& args) {
  if (args.target.empty()) throw UsageError{"--target is required (cpu, vulkan or opencl)"};
  if (args.trace.empty()) {
    throw UsageError{"a trace file is required: tapml-replay --target T TRACE.h5"};
  }
  std::unique_ptr<backends::Backend> remote;  // docs/remote.md
  if (!args.remote.empty()) {
#ifdef TAPML_HAS_REMOTE
    try {
      remote = remote::connect_remote_with_token_file(args.remote, args.target, args.token_file);
    } catch (const std::exception& e) {
      throw UsageError{"--remote " + args.remote + ": " + e.what()};
    }
#else
    throw UsageError{"--remote: this build has no remote support (TAPML_WITH_REMOTE=OFF)"};
#endif
  }
  const backends::Backend* backend = remote.get();
  std::unique_ptr<backends::Device> device;
  int device_index = args.device;
  try {
    if (remote) {  // the server has chosen its device
      device = remote->open(device_index);
    } else {  // "vulkan:1", "opencl:NVIDIA": the target's device wins over --device
      backends::OpenedTarget opened = backends::open_target(args.target, "--target", args.device);
      backend = opened.backend;
      device_index = opened.device_index;
      device = std::move(opened.device);
    }
  } catch (const backends::TargetError& e) {
    throw UsageError{e.what()};
  } catch (const backends::BackendError& e) {
    throw UsageError{"target " + args.target + " unavailable: " + e.what()};
  }
  replay::ReplayOptions options = make_options(args, device_index);
  check_writable(args.json, "--json");
  check_writable(args.junit, "--junit");
  check_writable(args.html, "--html");
  // The target first: a missing platform is the more basic problem.
  if (!std::filesystem::exists(args.trace)) throw UsageError{args.trace + ": no such file"};
  std::unique_ptr<store::TraceReader> trace;
  try {
    trace = store::TraceReader::open(args.trace);
  } catch (const store::TraceError& e) {
    throw UsageError{e.what()};
  }

  ProgressReporter bar("tapml-replay", "calls", !args.no_progress);
  replay::ProgressObserver observer;
  observer.planned = [&](size_t total) { bar.start(total, "replaying on " + args.target); };
  observer.call_done = [&](size_t done, const replay::CallResult* last) {
    bar.update(done, last ? last->op : "");
  };
  replay::Report report;
  try {
    report = replay::replay(*trace, *backend, *device, options, observer);
  } catch (const store::TraceError& e) {
    bar.clear();
    throw UsageError{e.what()};
  } catch (const backends::DeviceLost&) {  // names the call in flight; main() prints it
    bar.clear();
    throw;
  }
  bar.clear();
  require_something_ran(args, report.summary, trace->num_calls());
  replay::write_text(std::cout, report, args.show_failures);
  try {
    if (!args.json.empty()) replay::write_json(args.json, report);
    if (!args.junit.empty()) replay::write_junit(args.junit, report);
    if (!args.html.empty()) replay::write_html(args.html, report);
  } catch (const std::runtime_error& e) {
    throw UsageError{e.what()};
  }
  const replay::Summary& s = report.summary;
  if (s.internal > 0) {
    std::cerr << "tapml-replay: TapML itself failed on " << s.internal
              << " calls (INTERNAL): no verdict on their kernels\n";
    return exit_code(ExitCode::kTapmlFailed);
  }
  if (s.failed + s.errors + s.flaky + s.crashed + s.timed_out > 0) {
    return exit_code(ExitCode::kCheckFailed);
  }
  if (100 * s.coverage < args.min_coverage) {
    std::cerr << "tapml-replay: coverage " << 100 * s.coverage << "% is below --min-coverage "
              << args.min_coverage << "%\n";
    return exit_code(ExitCode::kCheckFailed);
  }
  return exit_code(ExitCode::kOk);
}

}  // namespace

static int tool_main(int argc, char** argv) {
#ifdef TAPML_HAS_REMOTE
  remote::register_remote_scheme();  // --target remote://host:port/vulkan
#endif
#ifdef TAPML_HAS_BROWSER
  remote::browser::register_browser_scheme();  // --target browser://127.0.0.1:8600
#endif
  if (bool json = false; asks_list_targets(argc, argv, json)) {
    try {
      return list_targets(json);
    } catch (const std::exception& e) {
      return exit_tapml_failed("tapml-replay", e);
    }
  }
  CLI::App app{
      "Replays the recorded calls of a TapML trace on a target's kernels and compares "
      "each output with the recorded one.",
      "tapml-replay"};
  tapml::describe_tool(
      app, "tapml-replay",
      "tapml-replay --target vulkan minilm.h5 --junit replay.xml --html replay.html\ntapml-replay "
      "--target ./libmy_kernels.so minilm.h5 --call-timeout 10");
  Args args;
  app.add_option("trace", args.trace, "the trace (.h5) written by tapml-record");
  app.add_option("--target", args.target,
                 "cpu, vulkan, opencl, or a provider (./libmine.so, or a name on "
                 "TAPML_PROVIDER_PATH); NAME:N or NAME:TEXT picks a device by index or name");
  app.add_option("--device", args.device, "device index of the target (see --list-targets)");
  app.add_flag("--list-targets", args.list_targets,
               "list each target (built in, and providers on TAPML_PROVIDER_PATH) with its "
               "devices, or why it is unavailable; with --json, as JSON");
  app.add_option("--remote", args.remote,
                 "HOST:PORT of a tapml-serve that runs the target (token: --token-file or "
                 "TAPML_TOKEN)");
  app.add_option("--token-file", args.token_file, "file holding the tapml-serve token");
  app.add_option("--op", args.op,
                 "only calls of ops matching this op pattern (docs/architecture.md)");
  app.add_option("--calls", args.calls, "only calls with seq in A:B (A included, B not)");
  app.add_flag("--fail-fast", args.fail_fast, "stop at the first FAIL, ERROR or FLAKY");
  app.add_option("--repeat", args.repeat,
                 "run each call N times on fresh buffers; outputs that differ between runs "
                 "(bitwise) make the call FLAKY (default 1)");
  app.add_option("--tolerance", args.tolerance, "JSON or TOML file of tolerance rules");
  app.add_flag("--isolate", args.isolate,
               "run each call in a worker process: a kernel that crashes or hangs is that "
               "call's CRASH or TIMEOUT and the replay goes on (default: on for a provider "
               "loaded from a path, off otherwise)");
  app.add_flag("--no-isolate", args.no_isolate, "run every call in this process");
  app.add_option("--call-timeout", args.call_timeout,
                 "seconds one run of a call may take before it is TIMEOUT (implies --isolate; "
                 "default 0, no limit)");
  app.add_flag("--descend", args.descend,
               "test the innermost compute calls instead of the outermost supported ones");
  app.add_option("--json", args.json, "write the full report as JSON");
  app.add_option("--junit", args.junit, "write a JUnit XML report");
  app.add_option("--html", args.html, "write a self-contained HTML report");
  app.add_flag("--no-progress", args.no_progress,
               "no progress on stderr (a bar on a terminal, a line every 10 s in logs)");
  app.add_option("--min-coverage", args.min_coverage,
                 "exit 1 when coverage (percent) is below this");
  app.add_option("--show-failures", args.show_failures,
                 "how many failures to print in detail (default 10)");
  if (const auto code = parse_command_line(app, argc, argv, "tapml-replay")) return *code;
  try {
    return run(args);
  } catch (const UsageError& e) {
    return exit_with("tapml-replay", ExitCode::kBadInput, e.message);
  } catch (const backends::DeviceLost& e) {  // names the call in flight
    return exit_with("tapml-replay", ExitCode::kTapmlFailed, e.what());
  } catch (const std::exception& e) {
    return exit_tapml_failed("tapml-replay", e);
  }
}

int main(int argc, char** argv) { return tapml::run_tool("tapml-replay", tool_main, argc, argv); }
