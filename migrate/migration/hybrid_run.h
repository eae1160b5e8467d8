// One hybrid run of the program: tapml-record with some ops offloaded to the
// target and every offloaded call checked against the reference kernel on
// the same inputs (offload_check), then the hybrid trace diffed against the
// reference run. Both strategies (migration.cpp's linear steps and
// bisection.cpp's search) are sequences of these runs; what a run found,
// and whether it passed, is decided here once.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "migrate/migration/migration_options.h"
#include "recorder/launch/launch.h"
#include "store/reader.h"

namespace tapml::migrate {

// An offloaded call whose output was beyond its per-call tolerance against
// the reference kernel run on the same inputs (offload.json's "beyond").
struct BeyondCall {
  std::string op;
  int64_t ordinal = -1;  // among the calls of `op` (offload_ops' PATTERN@N counts these)
  double nmse = 0;
  std::string message;
};

struct StepResult {
  int index = 0;
  std::string purpose;             // "all kinds at once", "aten::addmm calls 0-63"...
  std::vector<std::string> added;  // linear: kinds this step added
  size_t kinds_offloaded = 0;
  std::string offload_ops;  // what tapml-record was given
  int64_t calls_offloaded = 0;
  int64_t calls_declined = 0;
  // op -> (declined calls, the first reason): calls that ran where the
  // program put them (no kernel for that layout, a value-dependent shape...)
  std::map<std::string, std::pair<int64_t, std::string>> declined;
  std::map<std::string, int64_t> op_calls;  // calls of each selected op, offloaded or not
  int64_t calls_checked = 0;                // offloaded calls checked against the reference kernel
  int64_t calls_beyond = 0;                 // of those, beyond their per-call tolerance
  std::vector<BeyondCall> beyond;           // the first of them, in order
  int program_exit = 0;
  std::string program_error;       // last line of stderr when the program failed
  bool offload_error = false;      // the offload layer itself failed (TapML, not a kernel)
  bool too_many_declined = false;  // more declined calls than --max-declined
  bool end_to_end_found = false;
  double end_to_end_nmse = 0;
  bool generation = false;
  bool tokens_identical = true;
  bool passed = false;
  std::string verdict;
  std::string first_diverging;  // "call 123 aten::native_layer_norm (model.encoder.layer.0)"
  std::string first_diverging_op;
  std::string first_diverging_scope;  // its module path
  int64_t first_diverging_seq = -1;   // in the reference trace
  std::string first_diverging_worst;  // the worst output element, one line
  std::string trace;
  double seconds = 0;
};

// Runs tapml-record on the model's run.cfg into `output`; offload off when
// `ops` is empty.
recorder::Captured record_program(const MigrationOptions& options, const std::string& output,
                                  const std::string& ops);

// The last non-empty line of a program's stderr.
std::string last_line(const std::string& text);

// A call of the reference trace.
struct ReferenceCall {
  int64_t seq = -1;  // -1: no such call
  std::string scope;
};

// What a strategy needs of hybrid runs. HybridRunner runs the program; the
// search's own tests (tests/migrate/bisection_test.cpp) script the answers
// to check the search's logic and run counts case by case.
class HybridRuns {
 public:
  virtual ~HybridRuns() = default;
  // One hybrid run offloading `ops` (offload_ops' syntax: "all", patterns,
  // PATTERN@A:B); `purpose` is its progress line.
  virtual StepResult run(const std::string& ops, const std::string& purpose) = 0;
  virtual int runs() const = 0;
  // Call `ordinal` of `op` in the reference, counted as the offload layer
  // counts them (not nested in a call of the same op).
  virtual ReferenceCall reference_call(const std::string& op, int64_t ordinal) = 0;
};

// Runs the program. Keeps the work folder small: a run's trace is removed
// once a later run is judged, except the last failing one (the one that
// names the culprit) and, with keep_traces, every one.
class HybridRunner : public HybridRuns {
 public:
  HybridRunner(const MigrationOptions& options, const store::TraceReader& reference)
      : options_(options), reference_(reference) {}

  StepResult run(const std::string& ops, const std::string& purpose) override;
  int runs() const override { return runs_; }
  ReferenceCall reference_call(const std::string& op, int64_t ordinal) override;

 private:
  void forget(const std::string& trace);

  const MigrationOptions& options_;
  const store::TraceReader& reference_;
  int runs_ = 0;
  std::string last_trace_, last_failing_trace_;
};

}  // namespace tapml::migrate
