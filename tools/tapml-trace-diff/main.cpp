// tapml-trace-diff: `tapml-trace diff ref.h5 other.h5` runs it (store/ must not
// depend on the comparison). Exit 0: same within tolerance, 1: diverging,
// 2: bad input (one line on stderr), 3: TapML itself failed
// (common/exit_code.h).
#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>

#include "common/exit_code.h"
#include "common/tool_cli.h"
#include "migrate/diff/diff.h"

namespace {

int fail(const std::string& message) {
  return tapml::exit_with("tapml-trace diff", tapml::ExitCode::kBadInput, message);
}

// Writes `text` to `path`; a file that cannot be written is bad input.
void write_file(const std::string& path, const std::string& text, const char* flag) {
  std::ofstream file(path, std::ios::binary);
  file << text;
  if (!file.flush()) {
    throw tapml::migrate::DiffInputError(std::string(flag) + ": cannot write " + path);
  }
}

}  // namespace

int main(int argc, char** argv) {
  namespace tm = tapml::migrate;
  CLI::App app{
      "tapml-trace diff: compare two traces of one program call by call (a reference run and, "
      "e.g., a run with ops offloaded to a target). Exit 0: same within tolerance, 1: diverging, "
      "2: bad input."};
  tapml::describe_tool(app, "tapml-trace diff",
                       "tapml-trace diff reference.h5 hybrid.h5 --html diff.html");
  app.name("tapml-trace diff");
  std::string ref_path, other_path, json_path, html_path, tolerance_path;
  tm::DiffOptions options;
  bool ignore_metadata = false, quiet = false;
  size_t rows = 20;
  app.add_option("ref", ref_path, "Reference trace (.h5)")->required();
  app.add_option("other", other_path, "Trace to judge against it (.h5)")->required();
  app.add_option("--json", json_path, "Also write the full result as JSON to FILE");
  app.add_option("--html", html_path, "Also write a self-contained HTML report to FILE");
  app.add_option("--tolerance", tolerance_path,
                 "JSON or TOML tolerance rules (as tapml-replay's); op 'tapml::end_to_end' sets "
                 "the bound of the final outputs");
  app.add_option("--target", options.target,
                 "Target the tolerance rules are looked up for (default: the other trace's "
                 "offload_target, else cpu)");
  app.add_option("--final-op", options.final_op,
                 "Regex of the depth-0 calls whose outputs are the final outputs (default: the "
                 "last depth-0 compute call with a floating output)");
  app.add_option("--token-op", options.token_op,
                 "Regex of the depth-0 calls whose integer outputs are the generated token ids; "
                 "'' for none")
      ->capture_default_str();
  app.add_option("--scope-depth", options.scope_depth,
                 "Summarise module paths by their first N components (default 0: up to the "
                 "layer index)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--rows", rows, "Calls beyond tolerance listed in the text")
      ->capture_default_str();
  app.add_flag("--ignore-metadata", ignore_metadata,
               "Compare even if the model or command metadata differ");
  app.add_flag("-q,--quiet", quiet, "Print only the verdict line");
  try {
    app.parse(argc, argv);
    options.check_metadata = !ignore_metadata;
    if (!tolerance_path.empty()) options.tolerance.load_file(tolerance_path);
    const auto ref = tapml::store::TraceReader::open(ref_path);
    const auto other = tapml::store::TraceReader::open(other_path);
    const tm::DiffResult result = tm::diff_traces(*ref, *other, options);
    if (!json_path.empty()) write_file(json_path, tm::diff_json(result), "--json");
    if (!html_path.empty()) write_file(html_path, tm::diff_html(result), "--html");
    std::cout << (quiet ? "verdict: " + result.verdict + "\n" : tm::diff_text(result, rows));
    return result.exit_code();
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return 0;
  } catch (const CLI::ParseError& e) {
    return fail(std::string(e.what()) + " (see tapml-trace diff --help)");
  } catch (const tapml::store::TraceError& e) {
    return fail(e.what());
  } catch (const tapml::replay::ToleranceError& e) {
    return fail(e.what());
  } catch (const tm::DiffInputError& e) {
    return fail(e.what());
  } catch (const std::exception& e) {
    return tapml::exit_tapml_failed("tapml-trace diff", e);
  }
}
