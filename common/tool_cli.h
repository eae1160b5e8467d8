// What every TapML tool's command line has in common: --version (TapML's
// version, one line) and a --help that ends with an example and the exit
// codes (common/exit_code.h), so that a user reading --help learns how the
// tool is called and what its exit status means without opening the docs.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace tapml {

// TapML's version, e.g. "0.1.0".
const char* version();

// Adds --version and the --help footer: "Example:" with `example` (one
// command per line), then the exit codes.
void describe_tool(CLI::App& app, const std::string& tool, const std::string& example);

// Parses the command line: nullopt to go on, else the exit code to return:
// 0 after printing --help or --version, 2 after one line naming the bad
// flag (common/exit_code.h).
std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv, std::string_view tool);

// main() of a tool: runs `body`, and turns anything it lets escape into
// TapML's own failure (one line, exit 3) rather than std::terminate.
int run_tool(std::string_view tool, int (*body)(int, char**), int argc, char** argv) noexcept;

}  // namespace tapml
