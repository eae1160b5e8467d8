// Starting the recorded program: finding the interposer, asking the program's
// python which torch it loads, building its environment (LD_PRELOAD,
// LD_LIBRARY_PATH, PYTHONPATH, TAPML_*), fork/exec and the exit status.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "recorder/launch/run_config.h"

namespace tapml::recorder {

// libtapml_interposer.so and what its build baked in, found next to tapml-record.
struct Interposer {
  std::string library;     // build/lib/libtapml_interposer.so
  std::string python_boot;  // build/lib/tapml_python
  std::string torch_version;
  std::string python;     // the python it was built with ({python} in commands)
  std::string torch_lib;  // that python's torch/lib
};

// Throws UsageError if the interposer was not built.
Interposer find_interposer();

using Environment = std::map<std::string, std::string>;

struct Program {
  std::vector<std::string> argv;  // argv[0] resolved to an executable path
  bool is_python = false;
  std::string torch_version;  // what the program's python imports (python programs)
  std::string torch_lib;
};

// Resolves the command and, for a python, checks that it imports the torch the
// interposer was built against. Throws UsageError (not found, no torch, mismatch).
Program resolve_program(const RunConfig& config, const Interposer& interposer,
                        const Environment& env);

// The program's environment: ours, run.cfg's `env`, and the interposer's variables.
Environment base_environment(const RunConfig& config);
void add_interposer_environment(Environment& env, const RunConfig& config,
                                const Interposer& interposer, const Program& program);

// Forks and execs; throws UsageError if exec fails.
pid_t start_program(const Program& program, const std::string& workdir, const Environment& env);

struct Captured {
  int status = 0;  // as waitpid gives it
  std::string out, err;
};

// Runs argv (argv[0] a path) in `workdir` to completion, collecting its output.
Captured run_capture(std::vector<std::string> argv, const Environment& env,
                     const std::string& workdir);

// The environment of this process.
Environment current_environment();

// 128+signal for a killed program, as shells report it.
int exit_code_of(int wait_status);

}  // namespace tapml::recorder
