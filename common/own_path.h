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

// The folder of the binary this code is linked into: the executable's, or a
// shared library's when it is one (the offload library preloaded into
// python, libtapml_testing.so), found with dladdr.
std::filesystem::path code_folder();

// TapML's lib/ folder seen from this code: code_folder() when it is lib/
// itself (or lib/providers, for a provider library), else
// code_folder()/../lib (from bin/).
std::filesystem::path lib_folder();

}  // namespace tapml
