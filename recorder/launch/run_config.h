// tapml-record's settings: a CLI11 config file (run.cfg, TOML-style
// `key = value`, sections allowed and only grouping) whose every key is also
// a command-line flag that overrides it. Relative paths in run.cfg are
// relative to its folder; on the command line, to the current directory.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "recorder/launch/offload_flags.h"
#include "recorder/common/capture_config.h"

namespace tapml::recorder {

struct RunConfig {
  std::string config_path;  // empty: flags only
  std::vector<std::string> command;  // program and arguments; "{python}" names the interposer's
  std::string command_base;  // absolute: where a relative program path (with a '/') starts
  std::string workdir;               // absolute
  std::vector<std::string> env;      // K=V
  std::string output;                // absolute
  CaptureConfig capture;             // policy and metadata (output is set too)
  OffloadFlags offload;              // hybrid run: ops on a target backend
  bool quiet = false;                // no progress line
};

// A bad flag, key or value: one line for the user, exit code 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Parses argv (tapml-record [run.cfg] [--key value ...]). Returns false when
// help was printed (exit 0). Throws UsageError.
bool parse_run_config(int argc, char** argv, RunConfig& config);

}  // namespace tapml::recorder
