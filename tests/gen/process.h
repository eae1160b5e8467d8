// Runs a command line through the shell and keeps what it printed, so that
// the tests can check tapml-gen and generated suites the way a user meets
// them: exit codes, stdout and stderr.
#pragma once

#include <filesystem>
#include <string>

namespace tapml::gen_test {

struct Outcome {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// `command` is run by /bin/sh with stdout and stderr sent to files under
// `scratch` (which must exist).
Outcome run(const std::string& command, const std::filesystem::path& scratch);

// `text` quoted for /bin/sh.
std::string quoted(const std::string& text);

// A fresh empty folder under the system's temporary folder, named after the
// running test.
std::filesystem::path fresh_folder(const std::string& what);

std::string read_text(const std::filesystem::path& path);

}  // namespace tapml::gen_test
