// tapml-gen: carves a committed GoogleTest suite out of a recorded trace.
// Usage: tapml-gen trace.h5 --model NAME --out tests/generated/NAME
//        [--budget-mb 20] [--op REGEX] [--force]
// Exit codes: 0 written, 1 the written fixture failed its own check, 2 bad
// input or usage (one line on stderr).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <regex>

#include "backends/backend.h"
#include "common/exit_code.h"
#include "common/progress.h"
#include "common/tool_cli.h"
#include "gen/case_selection.h"
#include "gen/output_folder.h"
#include "gen/suite_sources.h"
#include "replayer/case_naming.h"
#include "store/reader.h"

namespace fs = std::filesystem;
using namespace tapml;

namespace {

struct Options {
  std::string trace;
  std::string model;
  std::string out;
  double budget_mb = 20;
  std::string op;
  bool force = false;
  bool no_progress = false;
};

// A failure of the generator's own check of what it wrote: exit code 1.
class CheckFailed : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

std::string format_mb(double mb) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", mb);
  return buf;
}

bool valid_model_name(const std::string& name) {
  static const std::regex kName("[a-z][a-z0-9_]*");
  return std::regex_match(name, kName);
}

// The new fixture must hold each case's call at the seq the sources name.
void check_fixture(const fs::path& path, const gen::Selection& selection,
                   const std::vector<int64_t>& fixture_seqs) {
  const auto fixture = store::TraceReader::open(path.string());
  for (size_t i = 0; i < selection.cases.size(); ++i) {
    const store::Call call = fixture->call(static_cast<size_t>(fixture_seqs[i]));
    if (call.full_name() != selection.cases[i].op ||
        replay::input_signature(call) != selection.cases[i].signature) {
      throw CheckFailed(path.string() + ": call " + std::to_string(fixture_seqs[i]) + " is " +
                        call.full_name() + ", not the case " + selection.cases[i].suite + "." +
                        selection.cases[i].name + " it should hold");
    }
  }
}

void print_left_out(const gen::Selection& selection) {
  if (selection.left_out.empty()) return;
  std::cout << "left out " << selection.left_out.size() << " of "
            << selection.left_out.size() + selection.cases.size() << " cases:\n";
  for (const gen::LeftOut& l : selection.left_out) {
    std::cout << "  " << l.op << " " << l.name << " (" << l.calls
              << (l.calls == 1 ? " call" : " calls") << "): " << l.why << "\n";
  }
}

int generate(const Options& options) {
  if (!valid_model_name(options.model)) {
    throw gen::GenError("--model '" + options.model +
                        "': use lowercase letters, digits and underscores, starting with a "
                        "letter (it names the test binary and the CTest label)");
  }
  if (!(options.budget_mb > 0)) throw gen::GenError("--budget-mb must be more than 0");
  gen::SelectionOptions select;
  select.budget_bytes = static_cast<size_t>(options.budget_mb * (1 << 20));
  try {
    select.op = store::OpPattern(options.op, "--op");
  } catch (const store::OpPatternError& e) {
    throw gen::GenError(e.what());
  }
  const fs::path out(options.out);
  const gen::FolderState previous = gen::inspect_folder(out);
  if (const std::string unsafe = gen::describe_unsafe(out, previous); !unsafe.empty()) {
    if (!options.force) {
      throw gen::GenError(unsafe + ": move them away, or pass --force to overwrite");
    }
    if (!previous.foreign.empty()) std::cerr << "tapml-gen: leaving alone: " << unsafe << "\n";
  }

  const auto trace = store::TraceReader::open(options.trace);
  const backends::Backend* cpu = backends::find_backend("cpu");
  if (!cpu) throw std::logic_error("the cpu backend is not compiled in");
  ProgressReporter bar("tapml-gen", "calls", !options.no_progress);
  bar.start(trace->num_calls(), "reading " + options.trace);
  select.progress = [&](size_t done, size_t) { bar.update(done); };
  const gen::Selection selection = gen::select_cases(*trace, cpu->kernels(), select);
  bar.clear();
  print_left_out(selection);

  std::vector<int64_t> seqs;
  for (const gen::Case& c : selection.cases) seqs.push_back(c.call.seq);
  std::sort(seqs.begin(), seqs.end());
  std::vector<int64_t> fixture_seqs;  // copy_subset numbers the chosen calls in seq order
  for (const gen::Case& c : selection.cases) {
    fixture_seqs.push_back(std::lower_bound(seqs.begin(), seqs.end(), c.call.seq) - seqs.begin());
  }

  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec) throw gen::GenError(out.string() + ": cannot create the folder: " + ec.message());
  const fs::path new_fixture = out / (std::string(gen::kFixtureName) + ".tapml-gen-new");
  store::copy_subset(*trace, seqs, new_fixture.string());
  try {
    check_fixture(new_fixture, selection, fixture_seqs);
  } catch (...) {
    fs::remove(new_fixture, ec);
    throw;
  }
  std::ifstream fixture_in(new_fixture, std::ios::binary);
  const std::string fixture_bytes(std::istreambuf_iterator<char>(fixture_in), {});

  gen::SuiteInfo info;
  info.model = options.model;
  info.trace_name = fs::path(options.trace).filename().string();
  info.options = "--budget-mb " + format_mb(options.budget_mb);
  if (!options.op.empty()) info.options += " --op '" + options.op + "'";
  info.fixture_hash = replay::short_hash(fixture_bytes);
  info.fixture_bytes = fixture_bytes.size();
  const auto files = gen::suite_sources(selection, fixture_seqs, info);
  gen::install_suite(out, new_fixture, files, previous);

  std::cout << options.model << ": " << selection.cases.size() << " cases in " << files.size() - 1
            << " sources from " << selection.compute_calls << " compute calls; fixture "
            << fixture_bytes.size() << " bytes -> " << out.string() << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  CLI::App app{"tapml-gen: a GoogleTest suite carved from a TapML trace (docs/test-generation.md)"};
  tapml::describe_tool(app, "tapml-gen",
                       "tapml-gen minilm.h5 --model minilm --out tests/generated/minilm");
  app.add_option("trace", options.trace, "recorded trace (.h5)")->required();
  app.add_option("--model", options.model, "suite name: test binary and CTest label")->required();
  app.add_option("--out", options.out, "the suite's folder, e.g. tests/generated/NAME")->required();
  app.add_option("--budget-mb", options.budget_mb, "most MB the fixture may take")
      ->capture_default_str();
  app.add_option("--op", options.op, "only ops matching this op pattern (docs/architecture.md)");
  app.add_flag("--no-progress", options.no_progress,
               "no progress on stderr (a bar on a terminal, a line every 10 s in logs)");
  app.add_flag("--force", options.force,
               "overwrite files edited by hand, and write beside files tapml-gen did not write");
  if (const auto code = parse_command_line(app, argc, argv, "tapml-gen")) return *code;
  try {
    return generate(options);
  } catch (const CheckFailed& e) {
    return exit_with("tapml-gen", ExitCode::kCheckFailed, e.what());
  } catch (const gen::GenError& e) {
    return exit_with("tapml-gen", ExitCode::kBadInput, e.what());
  } catch (const store::TraceError& e) {
    return exit_with("tapml-gen", ExitCode::kBadInput, e.what());
  } catch (const fs::filesystem_error& e) {
    return exit_with("tapml-gen", ExitCode::kBadInput, e.what());
  } catch (const std::exception& e) {
    return exit_tapml_failed("tapml-gen", e);
  }
}
