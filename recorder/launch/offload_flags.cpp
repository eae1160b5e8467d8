#include "recorder/launch/offload_flags.h"

#include <CLI/CLI.hpp>
#include <filesystem>

#include "recorder/launch/run_config.h"

namespace tapml::recorder {

void add_offload_options(CLI::App& app, OffloadFlags& flags) {
  app.add_option("--offload_target,--offload-target", flags.target,
                 "run the chosen ops on this backend's kernels inside the program (vulkan, "
                 "opencl, cpu); the hybrid run is recorded");
  app.add_option(
      "--offload_ops,--offload-ops", flags.ops,
      "ops to offload: \"all\" (default) or op patterns, e.g. \"aten::mm,aten::add.Tensor\"; "
      "PATTERN@A:B offloads only calls A to B-1 of each op it matches, counted from 0");
  app.add_option("--offload_check,--offload-check", flags.check,
                 "judge every offloaded call against the reference kernel on the same inputs "
                 "(counts in <output>.offload.json)");
  app.add_option("--offload_tolerance,--offload-tolerance", flags.tolerance,
                 "tolerance file for offload_check (rules as tapml-replay --tolerance)");
  app.add_option("--offload_remote,--offload-remote", flags.remote,
                 "HOST:PORT of a tapml-serve running offload_target: the offloaded calls run "
                 "there (token: --offload-token-file or TAPML_TOKEN)");
  app.add_option("--offload_token_file,--offload-token-file", flags.token_file,
                 "file holding the tapml-serve token (default: the TAPML_TOKEN variable)");
}

void add_offload_environment(std::map<std::string, std::string>& env, const OffloadFlags& flags,
                             const std::string& library_dir, const std::string& output) {
  env.erase("TAPML_OFFLOAD_TARGET");
  env.erase("TAPML_OFFLOAD_OPS");
  env.erase("TAPML_OFFLOAD_REPORT");
  env.erase("TAPML_OFFLOAD_REMOTE");
  env.erase("TAPML_OFFLOAD_TOKEN_FILE");
  env.erase("TAPML_OFFLOAD_CHECK");
  env.erase("TAPML_OFFLOAD_TOLERANCE");
  if (!flags.token_file.empty() && flags.remote.empty()) {
    throw UsageError("offload_token_file is set but offload_remote is not");
  }
  if (flags.target.empty()) {
    if (!flags.ops.empty()) throw UsageError("offload_ops is set but offload_target is not");
    if (flags.check || !flags.tolerance.empty()) {
      throw UsageError("offload_check or offload_tolerance is set but offload_target is not");
    }
    if (!flags.remote.empty()) {
      throw UsageError(
          "offload_remote is set but offload_target is not (name the backend "
          "the tapml-serve runs)");
    }
    return;
  }
  const std::filesystem::path library = std::filesystem::path(library_dir) / "libtapml_offload.so";
  if (!std::filesystem::exists(library)) {
    throw UsageError("offload mode not built: " + library.string() +
                     " is missing (build the tapml_offload target)");
  }
  std::string& preload = env["LD_PRELOAD"];
  preload = preload.empty() ? library.string() : preload + ":" + library.string();
  env["TAPML_OFFLOAD_TARGET"] = flags.target;
  env["TAPML_OFFLOAD_OPS"] = flags.ops.empty() ? "all" : flags.ops;
  env["TAPML_OFFLOAD_REPORT"] = output + ".offload.json";
  if (!flags.remote.empty()) env["TAPML_OFFLOAD_REMOTE"] = flags.remote;
  if (!flags.token_file.empty()) env["TAPML_OFFLOAD_TOKEN_FILE"] = flags.token_file;
  if (!flags.tolerance.empty() && !flags.check) {
    throw UsageError("offload_tolerance is set but offload_check is not");
  }
  if (flags.check) env["TAPML_OFFLOAD_CHECK"] = "1";
  if (!flags.tolerance.empty()) env["TAPML_OFFLOAD_TOLERANCE"] = flags.tolerance;
}

}  // namespace tapml::recorder
