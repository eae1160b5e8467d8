// Splitting a command line the way a POSIX shell splits words (quotes and
// backslashes; no expansion), for run.cfg's `command = "python driver.py"`.
#pragma once

#include <string>
#include <vector>

namespace tapml::recorder {

// Throws std::invalid_argument on an unterminated quote.
std::vector<std::string> split_shell_words(const std::string& line);
std::string join_shell_words(const std::vector<std::string>& words);

}  // namespace tapml::recorder
