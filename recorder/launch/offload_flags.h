// The offload mode's settings of tapml-record (run.cfg keys and flags
// offload_target, offload_ops, offload_remote, offload_token_file,
// offload_check, offload_tolerance): when a
// target is named, the program runs hybrid, with libtapml_offload.so
// (migrate/offload/) preloaded beside the interposer; the hybrid run is
// recorded like any other. With offload_remote the target is the one a
// tapml-serve runs (docs/remote.md); its token comes from offload_token_file
// or TAPML_TOKEN, never from the command line.
#pragma once

#include <map>
#include <string>

namespace CLI {
class App;
}

namespace tapml::recorder {

struct OffloadFlags {
  std::string target;      // backend name; empty: no offload
  std::string ops;         // "all", or aten names separated by commas or spaces
  std::string remote;      // "HOST:PORT" of a tapml-serve; empty: the target is local
  std::string token_file;  // absolute once parsed; empty: TAPML_TOKEN
  // The per-call check (migrate/offload/shadow_check.h): every offloaded
  // call judged against the reference kernel on the same inputs.
  bool check = false;
  std::string tolerance;  // its extra tolerance rules; absolute once parsed
};

void add_offload_options(CLI::App& app, OffloadFlags& flags);

// Adds the offload library to LD_PRELOAD and its TAPML_OFFLOAD_* variables
// (the per-op counts go to <output>.offload.json). `library_dir` holds the
// interposer. Throws UsageError when the offload mode was not built.
void add_offload_environment(std::map<std::string, std::string>& env, const OffloadFlags& flags,
                             const std::string& library_dir, const std::string& output);

}  // namespace tapml::recorder
