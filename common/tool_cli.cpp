#include "common/tool_cli.h"

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

}  // namespace tapml
