// The worker process of an isolated replay (tapml-replay --isolate): it opens
// the trace, the target and its device itself, then runs the calls the
// replay sends it, one at a time, with the same CallRunner as an in-process
// replay, and sends back each CallResult. A kernel that segfaults, aborts or
// hangs takes down this process and nothing else: the replay reports the
// call CRASH or TIMEOUT and starts another worker (isolated_runner.h).
//
// Messages (channel.h), replay -> worker:
//   {"plan": [seq...], "repeat": N}   the calls to come (inputs stay cached)
//   {"run": seq, "runs": N}           run one call
// worker -> replay:
//   {"ready": true} | {"fatal": "..."}  once, after opening everything
//   {"result": {...}} | {"skipped": "why"} | {"trace_error": "..."} |
//   {"device_lost": "..."}              one per run
#pragma once

#include <string>

namespace tapml::replay {

struct WorkerOptions {
  std::string trace;
  std::string target;  // as the replay resolved it: a name or a provider path
  int device = 0;
  std::string tolerance_file;  // empty: the built-in rules alone
  int channel_fd = 3;
};

// Serves the replay on the channel until it closes. Returns the exit code.
int run_worker(const WorkerOptions& options);

}  // namespace tapml::replay
