// The shared token that every session presents at hello. Both tapml-serve
// and clients read it the same way: from a file named by a flag, else from
// the environment variable TAPML_TOKEN; never from a command-line argument,
// where other users of the machine could read it (ps, /proc).
#pragma once

#include <string>

namespace tapml::remote {

inline constexpr const char* kTokenEnv = "TAPML_TOKEN";

// The token from `token_file` (first line, surrounding whitespace removed)
// when it is non-empty, else from TAPML_TOKEN. Throws std::runtime_error
// with one line saying what is missing.
std::string read_token(const std::string& token_file);

// Compares in time independent of where the strings differ.
bool tokens_equal(const std::string& a, const std::string& b);

}  // namespace tapml::remote
