// The outcome of a replay: one record per call run or found unsupported,
// totals per op, and a summary. The text, JSON, JUnit and HTML writers
// (report_*.cpp) all read this one structure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <ctime>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "replayer/case_naming.h"
#include "replayer/compare.h"
#include "replayer/run_difference.h"
#include "replayer/tolerance.h"
#include "store/dtype.h"

namespace tapml::replay {

// FLAKY: with --repeat, the runs of the call gave different bits. It wins
// over FAIL (a verdict on one run of a result that changes proves nothing);
// the message then says both.
// INTERNAL: TapML itself failed on the call (building it from the trace,
// comparing its outputs): no verdict on the kernel (common/exit_code.h, 3).
// CRASH and TIMEOUT: with isolation (isolation/), the call killed the worker
// process that ran it (a signal, an exit) or ran past the per-call timeout;
// the worker was restarted and the replay went on. Failures of the kernel.
enum class Status { Pass, Fail, Unsupported, Error, Flaky, Internal, Crash, Timeout };
// "PASS", "FAIL", "UNSUPPORTED", "ERROR", "FLAKY", "INTERNAL", "CRASH", "TIMEOUT"
std::string_view status_name(Status status);

struct OutputResult {
  std::string name;  // "result", "out", "result1"
  DType dtype = DType::Float32;
  std::vector<int64_t> sizes;
  Tolerance tolerance;
  Comparison comparison;                        // of the first run with the recorded values
  std::optional<RunDifference> run_difference;  // the first later run that differs
};

struct CallResult {
  int64_t seq = 0;
  std::string op;           // full name
  std::string replayed_as;  // the portable op a backend-specific one ran as (portable_op.h)
  std::string scope;        // module path, e.g. "model.layers.3.mlp"
  CaseName case_name;       // case_naming.h; empty for a call named by nothing
  int64_t occurrence = 0;   // among the trace's calls alike, from 1
  Status status = Status::Pass;
  int runs = 1;                     // times the kernel ran (--repeat)
  std::string message;              // why it failed, errored or is unsupported
  std::vector<std::string> inputs;  // "self: float32[1, 9, 576]", "dim=-1"
  std::vector<OutputResult> outputs;
  double kernel_seconds = 0;  // run + finish, of the first run
  size_t input_bytes = 0;
};

struct OpSummary {
  int64_t calls = 0;  // passed + failed + unsupported + errors + flaky + internal + crashed
                      // + timed_out
  int64_t passed = 0;
  int64_t failed = 0;
  int64_t unsupported = 0;
  int64_t errors = 0;
  int64_t flaky = 0;
  int64_t internal = 0;
  int64_t crashed = 0;
  int64_t timed_out = 0;
  int64_t skipped = 0;  // covered but not run (duplicates, values not captured)
  double worst_nmse = 0;
  double worst_max_abs = 0;
  double kernel_seconds = 0;
};

struct Summary {
  std::string trace;
  std::string target;
  std::string device;
  std::string numerics;  // what the target computes types in (Backend::numerics), "" if as stored
  std::string mode;      // "outermost" or "leaves"
  int repeat = 1;        // runs per call (--repeat)
  std::time_t started = 0;
  int64_t calls = 0;  // as OpSummary's
  int64_t passed = 0;
  int64_t failed = 0;
  int64_t unsupported = 0;
  int64_t errors = 0;
  int64_t flaky = 0;
  int64_t internal = 0;
  int64_t crashed = 0;
  int64_t timed_out = 0;
  int64_t skipped = 0;
  std::map<std::string, int64_t> skipped_reasons;
  int64_t roots = 0;  // coverage denominator (selection.h)
  int64_t covered = 0;
  double coverage = 0;         // covered / roots, 1 when there are no roots
  bool stopped_early = false;  // --fail-fast stopped at the first failure
  double wall_seconds = 0;
  double kernel_seconds = 0;
  double input_bytes = 0;
  double calls_per_second = 0;  // calls run / wall time
  double mb_per_second = 0;     // input MB of the calls run / wall time
  bool isolated = false;        // each call ran in a worker process
  int64_t worker_restarts = 0;  // after a CRASH or TIMEOUT
};

// The kernel's failures (FAIL, ERROR, FLAKY, CRASH, TIMEOUT) and INTERNAL.
int64_t bad_calls(const Summary& summary);
int64_t bad_calls(const OpSummary& op);

struct Report {
  Summary summary;
  std::map<std::string, OpSummary> ops;
  std::vector<CallResult> calls;  // in seq order
};

// Counts `result` into its op's totals and the summary.
void tally(Report& report, const CallResult& result);

// FAIL, ERROR, FLAKY, CRASH, TIMEOUT (exit 1) and INTERNAL (exit 3): the
// calls listed as failures.
bool is_failure(Status status);

// The terminal report: the summary table per op, then the first
// `max_failures` failures and errors in detail.
void write_text(std::ostream& out, const Report& report, size_t max_failures);
// The JSON report (docs/replayer.md), whole or one part of it: what
// write_json writes and the Python package returns.
nlohmann::json report_json(const Report& report);
nlohmann::json call_result_json(const CallResult& call);
nlohmann::json comparison_json(const OutputResult& output);
// Throw std::runtime_error naming the file when it cannot be written.
void write_json(const std::string& path, const Report& report);
void write_junit(const std::string& path, const Report& report);
void write_html(const std::string& path, const Report& report);

}  // namespace tapml::replay
