// Where the running TapML program is installed. Tools find their siblings
// (tapml-replay-worker, tapml-trace-diff, tapml-record), the interposer and
// the Python files relative to their own executable, never through a path
// baked in at build time: a build tree, an install prefix and an extracted
// .deb all work the same.
#pragma once

#include <filesystem>
#include <string>

namespace tapml {

// The folder of the running executable (/proc/self/exe). Throws
// std::runtime_error when it cannot be read.
std::filesystem::path own_folder();

// `name` beside the running executable.
std::filesystem::path sibling_executable(const std::string& name);

}  // namespace tapml
