// Runs each call of a replay in a worker process (worker.h), so that a
// kernel under development that segfaults, aborts or hangs is a verdict on
// that call, not a lost run: the call is CRASH (with the signal or exit
// status) or TIMEOUT (past the per-call timeout, the worker killed), a new
// worker is started for the calls after it, and the replay goes on to write
// every report. The worker opens the trace and the target itself; only the
// call's seq goes out and its CallResult comes back.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "replayer/report.h"
#include "store/reader.h"

namespace tapml::replay {

// Whether calls run in worker processes when nobody says: yes for a
// provider loaded from a path (a kernel under development: one that crashes
// must cost its call, not the run) and whenever a per-call timeout needs a
// worker to kill, no for TapML's own backends otherwise and never for a
// SCHEME:// target (its server is the worker).
bool isolated_by_default(const std::string& target, double call_timeout_s);

// tapml-replay-worker, beside the running tool or in the bin/ folder beside
// TapML's lib/ (for the Python module, loaded into python).
std::string worker_executable();

struct IsolationOptions {
  std::string worker;  // the tapml-replay-worker executable
  std::string trace;
  std::string target;
  int device = 0;
  std::string tolerance_file;
  double call_timeout_s = 0;     // per run of a call; 0: no limit
  double start_timeout_s = 300;  // a worker opening its device and trace
};

class IsolatedRunner {
 public:
  explicit IsolatedRunner(IsolationOptions options);
  ~IsolatedRunner();
  IsolatedRunner(const IsolatedRunner&) = delete;
  IsolatedRunner& operator=(const IsolatedRunner&) = delete;

  // The calls to be run, in order, `repeat` runs each: the worker keeps the
  // inputs they share uploaded. Starts the first worker; throws
  // std::runtime_error when it cannot start.
  void plan(std::vector<int64_t> seqs, int repeat);

  // As CallRunner::run, in the worker. Throws store::TraceError and
  // backends::DeviceLost as it does, std::runtime_error when a worker
  // cannot be started again.
  std::optional<CallResult> run(const store::Call& call, std::string* skipped_because, int runs);

  int64_t restarts() const { return restarts_; }

 private:
  void start();
  // Reaps the worker: why it ended, in words ("signal 11 (SIGSEGV: ...)").
  std::string reap(bool kill_first);

  IsolationOptions options_;
  std::vector<int64_t> plan_;
  int repeat_ = 1;
  int64_t last_seq_ = -1;  // the plan left for a new worker is after this
  pid_t pid_ = -1;
  int fd_ = -1;
  int64_t restarts_ = 0;
};

}  // namespace tapml::replay
