// tapml-migrate run.cfg --target vulkan: moves a real program's ops to a
// target backend (migration.h): all at once and a bisection to the first
// wrong call, or step by step with --linear. Exit codes (common/exit_code.h):
// 0 the migration completed within tolerance, 1 it stopped at a culprit,
// 2 bad input, 3 TapML itself failed.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "common/exit_code.h"
#include "common/own_path.h"
#include "common/tool_cli.h"
#include "migrate/migration/migration.h"
#include "migrate/migration/reference_key.h"
#include "migrate/migration/steps_report.h"
#include "recorder/launch/run_config.h"

namespace fs = std::filesystem;
using namespace tapml::migrate;

namespace {

int usage_error(const std::string& message) {
  return tapml::exit_with("tapml-migrate", tapml::ExitCode::kBadInput, message);
}

// The python the interposer was built with, from what its build baked in.
std::string interposer_python() {
  const fs::path sidecar = tapml::own_folder().parent_path() / "lib" / "tapml_interposer.json";
  std::ifstream in(sidecar);
  if (!in) {
    throw MigrateInputError("interposer not built: " + sidecar.string() +
                            " is missing (configure with -DTAPML_WITH_TORCH=ON)");
  }
  try {
    return nlohmann::json::parse(in).at("python").get<std::string>();
  } catch (const std::exception& e) {
    throw MigrateInputError(sidecar.string() + ": unreadable (" + e.what() + "): rebuild tapml");
  }
}

void write_file(const std::string& path, const std::string& text, const char* flag) {
  std::ofstream out(path);
  if (!out || !(out << text)) throw MigrateInputError(std::string(flag) + ": cannot write " + path);
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> words;
  std::string word;
  for (char c : text + ",") {
    if (c == ',' || c == ' ') {
      if (!word.empty()) words.push_back(word);
      word.clear();
    } else {
      word += c;
    }
  }
  return words;
}

int run(int argc, char** argv) {
  CLI::App app{
      "tapml-migrate: moves a PyTorch program's operators to a target backend. By default "
      "every op kind at once, each offloaded call checked against the reference kernel on the "
      "same inputs and the hybrid run compared with the reference run; when that run is not "
      "clean, a bisection over op kinds and then over the calls of the culprit kind finds the "
      "first wrong call in O(log n) runs (--emit-test turns it into a GoogleTest case). "
      "--linear adds one kind per step instead."};
  tapml::describe_tool(app, "tapml-migrate",
                       "tapml-migrate traces/minilm/run.cfg --target vulkan --emit-test found/");
  MigrationOptions options;
  std::string ops, json_path, html_path, tolerance_path;
  bool list_kinds = false;
  app.add_option("run_config", options.run_config, "the model's run.cfg (tapml-record's)")
      ->required();
  app.add_option("--target", options.target, "backend to migrate to: vulkan, opencl, cpu")
      ->required();
  app.add_option("--work", options.work_dir,
                 "folder of the hybrid traces and the reference (default: "
                 "out/tapml-migrate-<target>)");
  app.add_option("--reference", options.reference,
                 "reference trace; recorded from run.cfg when missing (default: "
                 "<work>/reference-<hash of run.cfg and program>.h5, reused while both are "
                 "unchanged)");
  app.add_option("--ops", ops,
                 "migrate only the op kinds matching these op patterns (comma-separated; "
                 "docs/architecture.md), in migration order");
  app.add_flag("--linear", options.linear,
               "step by step: add --kinds-per-step kinds per hybrid run, stop at the first step "
               "that leaves tolerance (the default is all at once, then bisection)");
  app.add_option("--kinds-per-step", options.kinds_per_step,
                 "--linear: op kinds added per step (default 1)");
  app.add_option("--emit-test", options.emit_test,
                 "write a generated GoogleTest suite (tapml-gen) of the first diverging call into "
                 "this folder");
  app.add_option("--final-op", options.diff.final_op,
                 "op pattern of the top-level calls whose outputs are the end-to-end result");
  app.add_option("--tolerance", tolerance_path, "tolerance file (rules as tapml-replay's)");
  app.add_flag("--keep-traces", options.keep_traces,
               "keep every hybrid run's trace (else the last and the last failing one)");
  app.add_option("--max-declined", options.max_declined,
                 "fail a step whose selected calls ran where the program put them more than N "
                 "times (declined: no kernel for that layout, a value-dependent shape...)");
  app.add_flag("--list-kinds", list_kinds, "print the op kinds in migration order and exit");
  app.add_option("--json", json_path, "write the runs and the verdict as JSON");
  app.add_option("--html", html_path, "write the runs and the verdict as an HTML page");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return 0;
  } catch (const CLI::ParseError& e) {
    return usage_error(std::string(e.what()) + " (tapml-migrate --help)");
  }
  try {
    if (options.work_dir.empty()) options.work_dir = "out/tapml-migrate-" + options.target;
    if (options.reference.empty()) {  // reused while run.cfg and the program are unchanged
      std::string key;
      try {
        key = reference_key(options.run_config);
      } catch (const tapml::recorder::UsageError& e) {
        throw MigrateInputError(options.run_config + ": " + e.what());
      }
      options.reference = (fs::path(options.work_dir) / ("reference-" + key + ".h5")).string();
    }
    options.only_ops = split_list(ops);
    options.tools_dir = tapml::own_folder().string();
    options.python = interposer_python();
    if (!tolerance_path.empty()) {
      options.diff.tolerance.load_file(tolerance_path);
      options.tolerance_path = fs::absolute(tolerance_path).string();
    }
    if (!options.emit_test.empty() && options.linear) {
      throw MigrateInputError("--emit-test needs the bisection (leave out --linear)");
    }
    if (list_kinds) {
      for (const OpKind& kind : kinds_to_migrate(options)) {
        std::cout << kind.name << " " << kind.calls << "\n";
      }
      return 0;
    }
    const MigrationResult result = migrate(options);
    std::cout << steps_text(result);
    if (!json_path.empty()) write_file(json_path, steps_json(result), "--json");
    if (!html_path.empty()) write_file(html_path, steps_html(result), "--html");
    return result.exit_code();
  } catch (const MigrateInputError& e) {
    return usage_error(e.what());
  } catch (const DiffInputError& e) {
    return usage_error(e.what());
  } catch (const tapml::store::TraceError& e) {
    return usage_error(e.what());
  } catch (const tapml::replay::ToleranceError& e) {
    return usage_error(e.what());
  } catch (const std::exception& e) {
    return tapml::exit_tapml_failed("tapml-migrate", e);
  }
}

}  // namespace

int main(int argc, char** argv) {
  // Building the command line can throw too (CLI11's own errors, memory):
  // TapML's failure, not the user's.
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    return tapml::exit_tapml_failed("tapml-migrate", e);
  } catch (...) {
    return tapml::exit_code(tapml::ExitCode::kTapmlFailed);
  }
}
