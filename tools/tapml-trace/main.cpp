// tapml-trace: inspect, verify, subset and recover TapML traces.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string_view>
#include <vector>

#include "commands.h"
#include "common/exit_code.h"
#include "common/own_path.h"
#include "common/tool_cli.h"
#include "store/trace.h"

namespace tc = tapml::trace_cli;

namespace {

// Bad input is reported on exactly one line.
int fail(const std::string& message) {
  return tapml::exit_with("tapml-trace", tapml::ExitCode::kBadInput, message);
}

void add_selection(CLI::App* cmd, tc::Selection& selection, std::string& range) {
  cmd->add_option(
      "--op", selection.op_pattern,
      "Only calls of ops matching this op pattern (e.g. 'softmax|gelu'; docs/architecture.md)");
  cmd->add_option("--calls", range, "Only calls with seq in A:B (half-open; A: and :B allowed)");
}

// `tapml-trace diff ...` execs tapml-trace-diff from beside this binary (a
// git-style external subcommand), so store/ does not depend on the comparison.
int run_beside(const char* tool, int argc, char** argv) {
  const std::string path = tapml::sibling_executable(tool).string();
  std::vector<char*> args{const_cast<char*>(path.c_str())};
  args.insert(args.end(), argv + 2, argv + argc);
  args.push_back(nullptr);
  execv(path.c_str(), args.data());
  return fail(std::string(argv[1]) + ": cannot run " + path + " (" + std::strerror(errno) +
              "); build the target " + tool);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && std::string_view(argv[1]) == "diff") {
    return run_beside("tapml-trace-diff", argc, argv);
  }
  CLI::App app{"tapml-trace: inspect, verify, subset and recover TapML traces"};
  tapml::describe_tool(app, "tapml-trace",
                       "tapml-trace ops minilm.h5\ntapml-trace diff reference.h5 hybrid.h5");
  app.require_subcommand(1);
  bool json = false;
  app.add_flag("--json", json, "Print JSON for scripts instead of text");
  app.fallthrough();

  std::string path, out, range;
  int64_t seq = 0;
  tc::Selection selection;
  auto* info = app.add_subcommand("info", "Metadata, call and tensor counts, sizes");
  info->add_option("trace", path, "Trace file (.h5)")->required();
  auto* ops = app.add_subcommand("ops", "Per op: calls, captured, distinct signatures, bytes");
  ops->add_option("trace", path, "Trace file (.h5)")->required();
  auto* ls = app.add_subcommand("ls", "List calls: seq, op tree, scope, input shapes");
  ls->add_option("trace", path, "Trace file (.h5)")->required();
  add_selection(ls, selection, range);
  auto* show = app.add_subcommand("show", "One call: arguments, tensors and their statistics");
  show->add_option("trace", path, "Trace file (.h5)")->required();
  show->add_option("seq", seq, "Call sequence number")->required();
  auto* verify = app.add_subcommand("verify", "Recompute every tensor hash, check every call");
  verify->add_option("trace", path, "Trace file (.h5)")->required();
  bool no_progress = false;
  verify->add_flag("--no-progress", no_progress,
                   "No progress on stderr (a bar on a terminal, a line every 10 s in logs)");
  auto* subset = app.add_subcommand("subset", "Copy chosen calls and the tensors they use");
  subset->add_option("trace", path, "Source trace file (.h5)")->required();
  subset->add_option("out", out, "New trace file")->required();
  add_selection(subset, selection, range);
  auto* recover = app.add_subcommand("recover", "Turn a crashed run's spool into a trace");
  recover->add_option("spool", path, "Spool file (<trace>.spool)")->required();
  recover->add_option("-o,--out", out, "Trace file to write (default: spool path minus .spool)");
  // Listed for --help only: main() hands `diff` to tapml-trace-diff before parsing.
  auto* diff = app.add_subcommand("diff", "Compare two traces call by call (diff --help)");

  try {
    app.parse(argc, argv);
    if (!range.empty()) selection.range = tc::parse_call_range(range);
    if (*info) return tc::cmd_info(path, json);
    if (*ops) return tc::cmd_ops(path, json);
    if (*ls) return tc::cmd_ls(path, selection, json);
    if (*show) return tc::cmd_show(path, seq, json);
    if (*verify) return tc::cmd_verify(path, json, !no_progress);
    if (*subset) {
      if (selection.op_pattern.empty() && !selection.range) {
        throw tc::UsageError("subset: choose calls with --calls A:B and/or --op PATTERN");
      }
      return tc::cmd_subset(path, out, selection, json);
    }
    if (*recover) return tc::cmd_recover(path, out, json);
    if (*diff) throw tc::UsageError("diff: put it first: tapml-trace diff REF OTHER [options]");
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return 0;
  } catch (const CLI::CallForAllHelp&) {
    std::cout << app.help("", CLI::AppFormatMode::All);
    return 0;
  } catch (const CLI::ParseError& e) {
    return fail(std::string(e.what()) + " (see tapml-trace --help)");
  } catch (const tc::UsageError& e) {
    return fail(e.what());
  } catch (const tapml::store::TraceError& e) {
    return fail(e.what());
  } catch (const std::exception& e) {
    return tapml::exit_tapml_failed("tapml-trace", e);
  }
  return 2;
}
