#include "common/exit_code.h"

#include <iostream>
#include <string>

namespace tapml {

int exit_with(std::string_view tool, ExitCode code, std::string_view message) {
  std::string line(message);
  for (char& c : line) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  std::cerr << tool << ": " << line << std::endl;
  return exit_code(code);
}

int exit_tapml_failed(std::string_view tool, const std::exception& error) {
  return exit_with(tool, ExitCode::kTapmlFailed,
                   std::string("TapML itself failed: ") + error.what() +
                       " (exit 3: not a verdict on your input or kernels)");
}

}  // namespace tapml
