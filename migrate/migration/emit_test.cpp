#include "migrate/migration/emit_test.h"

#include <sys/wait.h>

#include <cctype>
#include <filesystem>

#include "migrate/migration/hybrid_run.h"
#include "recorder/launch/launch.h"

namespace tapml::migrate {

namespace fs = std::filesystem;

namespace {

// tapml-gen's suite names are [a-z][a-z0-9_]*: the folder's name, folded.
std::string suite_name(const fs::path& folder) {
  std::string name;
  for (char c : fs::absolute(folder).lexically_normal().filename().string()) {
    const auto u = static_cast<unsigned char>(c);
    name += std::isalnum(u) != 0 ? static_cast<char>(std::tolower(u)) : '_';
  }
  if (name.empty() || std::isalpha(static_cast<unsigned char>(name.front())) == 0) {
    name = "migrate_" + name;
  }
  return name;
}

void run_tool(const std::vector<std::string>& argv) {
  const recorder::Captured run =
      recorder::run_capture(argv, recorder::current_environment(), fs::current_path().string());
  if (recorder::exit_code_of(run.status) != 0) {
    throw MigrateInputError("--emit-test: " + fs::path(argv.front()).filename().string() +
                            " failed: " + last_line(run.err.empty() ? run.out : run.err));
  }
}

}  // namespace

std::string emit_test(const MigrationOptions& options, int64_t ref_seq) {
  const fs::path folder(options.emit_test);
  const std::string one_call =
      (fs::path(options.work_dir) / ("reference-call-" + std::to_string(ref_seq) + ".h5")).string();
  const fs::path tools(options.tools_dir);
  std::error_code ec;
  fs::remove(one_call, ec);
  run_tool({(tools / "tapml-trace").string(), "subset", options.reference, one_call, "--calls",
            std::to_string(ref_seq)});
  const std::string name = suite_name(folder);
  run_tool({(tools / "tapml-gen").string(), one_call, "--model", name, "--out", folder.string(),
            "--no-progress", "--force"});
  fs::remove(one_call, ec);
  return "suite " + name + " in " + folder.string() + " (call " + std::to_string(ref_seq) +
         " of the reference; copy it under tests/generated/ to build it with TapML)";
}

}  // namespace tapml::migrate
