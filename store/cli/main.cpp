// tapml-trace: inspect, verify, subset and recover TapML traces.
#include <CLI/CLI.hpp>
#include <iostream>

#include "commands.h"
#include "store/trace.h"

namespace tc = tapml::trace_cli;

namespace {

// Bad input is reported on exactly one line.
int fail(const std::string& message) {
  std::string line = message;
  for (char& c : line) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  std::cerr << "tapml-trace: " << line << "\n";
  return 2;
}

void add_selection(CLI::App* cmd, tc::Selection& selection, std::string& range) {
  cmd->add_option("--op", selection.op_regex,
                  "Only calls whose full op name matches this regex (e.g. 'softmax|gelu')");
  cmd->add_option("--calls", range, "Only calls with seq in A:B (half-open; A: and :B allowed)");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"tapml-trace: inspect, verify, subset and recover TapML traces"};
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
  auto* subset = app.add_subcommand("subset", "Copy chosen calls and the tensors they use");
  subset->add_option("trace", path, "Source trace file (.h5)")->required();
  subset->add_option("out", out, "New trace file")->required();
  add_selection(subset, selection, range);
  auto* recover = app.add_subcommand("recover", "Turn a crashed run's spool into a trace");
  recover->add_option("spool", path, "Spool file (<trace>.spool)")->required();
  recover->add_option("-o,--out", out, "Trace file to write (default: spool path minus .spool)");

  try {
    app.parse(argc, argv);
    if (!range.empty()) selection.range = tc::parse_call_range(range);
    if (*info) return tc::cmd_info(path, json);
    if (*ops) return tc::cmd_ops(path, json);
    if (*ls) return tc::cmd_ls(path, selection, json);
    if (*show) return tc::cmd_show(path, seq, json);
    if (*verify) return tc::cmd_verify(path, json);
    if (*subset) {
      if (selection.op_regex.empty() && !selection.range) {
        throw tc::UsageError("subset: choose calls with --calls A:B and/or --op REGEX");
      }
      return tc::cmd_subset(path, out, selection, json);
    }
    if (*recover) return tc::cmd_recover(path, out, json);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return 0;
  } catch (const CLI::CallForAllHelp&) {
    std::cout << app.help("", CLI::AppFormatMode::All);
    return 0;
  } catch (const CLI::ParseError& e) {
    return fail(std::string(e.what()) + " (see tapml-trace --help)");
  } catch (const std::exception& e) {  // TraceError, UsageError, and anything else
    return fail(e.what());
  }
  return 2;
}
