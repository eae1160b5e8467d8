#include "common/tool_cli.h"

#include <cstdio>

#include "common/exit_code.h"

#ifndef TAPML_VERSION
#error "common/CMakeLists.txt defines TAPML_VERSION from the project's version"
#endif

namespace tapml {

const char* version() { return TAPML_VERSION; }

void describe_tool(CLI::App& app, const std::string& tool, const std::string& example) {
  app.set_version_flag("--version", tool + " " + version() + " (TapML)");
  std::string indented;
  size_t start = 0;
  while (start <= example.size()) {
    const size_t end = example.find('\n', start);
    indented += "  " + example.substr(start, end - start) + "\n";
    if (end == std::string::npos) break;
    start = end + 1;
  }
  app.footer("\nExample:\n" + indented +
             "\nExit codes: 0 everything checked passed; 1 a kernel or program failed the "
             "check; 2 bad input or usage (one line on stderr says what); 3 TapML itself or "
             "its infrastructure failed.");
}

int run_tool(std::string_view tool, int (*body)(int, char**), int argc, char** argv) noexcept {
  try {
    return body(argc, argv);
  } catch (const std::exception& e) {
    try {
      return exit_tapml_failed(tool, e);
    } catch (...) {  // falls through to the plain line below
    }
  } catch (...) {  // not a std::exception: the plain line below
  }
  std::fputs("TapML itself failed: an exception that is not a std::exception\n", stderr);
  return exit_code(ExitCode::kTapmlFailed);
}

std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv, std::string_view tool) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    return exit_with(tool, ExitCode::kBadInput, std::string(e.what()) + " (see --help)");
  }
  return std::nullopt;
}

}  // namespace tapml
