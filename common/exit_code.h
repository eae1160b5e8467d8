// The exit-code policy of every TapML tool, in one place. CI reads the code,
// not the text, so each code must mean one thing: 1 is "the thing checked is
// wrong" (a kernel, a diverging program), never "TapML broke", or a bug in
// TapML sends an engineer hunting a kernel that is correct. Code 3 is that
// other case: TapML or its infrastructure failed (an internal error, a
// device or browser lost, an offload-layer error) and nothing is blamed on
// the input or on a kernel.
#pragma once

#include <exception>
#include <stdexcept>
#include <string_view>

namespace tapml {

enum class ExitCode : int {
  kOk = 0,           // everything checked passed
  kCheckFailed = 1,  // a kernel or program failed the check (FAIL, ERROR, FLAKY, divergence)
  kBadInput = 2,     // bad input or usage: a file, flag, config, pattern, missing target
  kTapmlFailed = 3,  // TapML itself or its infrastructure failed
};

constexpr int exit_code(ExitCode code) { return static_cast<int>(code); }

// Thrown by any layer when TapML itself, not the input and not the code
// under test, failed. Tools map it (and any exception nobody typed) to 3.
class TapmlFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Prints "TOOL: MESSAGE" on stderr as one line (line breaks folded) and
// returns `code` as the process exit code.
int exit_with(std::string_view tool, ExitCode code, std::string_view message);

// The catch-all of a tool's main: an exception that no layer typed as bad
// input is TapML's own failure. One line saying so, exit 3.
int exit_tapml_failed(std::string_view tool, const std::exception& error);

}  // namespace tapml
