// The migration loop of tapml-migrate: record the reference run (if it is
// missing), order the op kinds the target can run, then offload a few more
// kinds per step, rerun the program hybrid under tapml-record, and diff the
// hybrid trace against the reference (migrate/diff). The loop stops at the
// first step whose end-to-end result leaves tolerance, naming the kind it
// added and the first diverging call.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/exit_code.h"
#include "migrate/cli/op_kinds.h"
#include "migrate/diff/diff.h"

namespace tapml::migrate {

// Bad input: a CLI prints it as one line and exits 2.
class MigrateInputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct MigrationOptions {
  std::string run_config;             // the model's run.cfg
  std::string target;                 // backend name
  std::string work_dir;               // step traces and reports
  std::string reference;              // the reference trace; recorded there when missing
  std::vector<std::string> only_ops;  // restrict the kinds (empty: every kind the target runs)
  int kinds_per_step = 1;
  bool keep_traces = false;   // else only the last and the failing step's traces stay
  int64_t max_declined = -1;  // a step with more declined calls fails; -1: no limit
  DiffOptions diff;
  std::string tools_dir;  // where tapml-record is
  std::string python;     // the interposer's python
};

struct StepResult {
  int index = 0;
  std::vector<std::string> added;  // kinds this step added
  size_t kinds_offloaded = 0;      // kinds offloaded so far
  std::string offload_ops;         // what tapml-record was given
  int64_t calls_offloaded = 0;     // from the offload report
  int64_t calls_declined = 0;
  // op -> (declined calls, the first reason): calls that ran where the
  // program put them (no kernel for that layout, a value-dependent shape...)
  std::map<std::string, std::pair<int64_t, std::string>> declined;
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
  std::string trace;
  double seconds = 0;
};

struct MigrationResult {
  std::string model, target, reference;
  std::vector<OpKind> kinds;
  std::vector<StepResult> steps;
  bool complete = false;      // every kind offloaded, end to end within tolerance
  std::string culprit;        // the kind the failing step added (or kinds, if several)
  std::string culprit_call;   // the first diverging call of that step
  std::string summary;        // one line
  bool tapml_failed = false;  // a step failed for TapML's own reason (an offload error)
  int exit_code() const {
    if (complete) return tapml::exit_code(ExitCode::kOk);
    return tapml::exit_code(tapml_failed ? ExitCode::kTapmlFailed : ExitCode::kCheckFailed);
  }
};

// Throws MigrateInputError for bad input (unknown op, missing target, a
// reference that cannot be recorded).
MigrationResult migrate(const MigrationOptions& options);

// The op kinds migrate() would move, in order (records the reference when
// it is missing). Throws MigrateInputError.
std::vector<OpKind> kinds_to_migrate(const MigrationOptions& options);

}  // namespace tapml::migrate
