// tapml-migrate's result and entry points: record the reference run (if it
// is missing), order the op kinds the target can run, then move them to the
// target with one of two strategies, each a sequence of hybrid runs
// (hybrid_run.h):
// - bisection (default, bisection.h): everything at once, and when that run
//   is not clean, a search over op kinds and then over the calls of the
//   culprit kind down to the first diverging call: O(log n) runs;
// - linear (--linear, the paper's log): a few more kinds per step, stopping
//   at the first step that leaves tolerance.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/exit_code.h"
#include "migrate/migration/hybrid_run.h"
#include "migrate/migration/migration_options.h"
#include "migrate/migration/op_kinds.h"

namespace tapml::migrate {

// The call a migration ends at, named in the reference trace.
struct CulpritCall {
  int64_t ref_seq = -1;
  std::string op;
  std::string scope;      // module path
  int64_t ordinal = -1;   // among the calls of op (offload_ops' PATTERN@N)
  std::string worst;      // the worst output element, one line
  std::string described;  // "call 123 aten::addmm (model.layers.0.mlp)"
};

struct MigrationResult {
  std::string model, target, reference;
  std::string strategy;  // "bisection" or "linear"
  std::vector<OpKind> kinds;
  std::vector<StepResult> steps;  // every hybrid run, in order
  bool complete = false;     // every kind offloaded, no call beyond tolerance, end to end within
  std::string culprit;       // the op kind to blame (or kinds, if a linear step added several)
  std::string culprit_call;  // the first diverging call, described
  CulpritCall call;          // bisection: the call the search ended at
  std::vector<std::string> smallest_set;  // no single kind to blame: the smallest failing set found
  std::string emitted_test;               // --emit-test: the generated suite's folder
  std::string summary;                    // one line
  bool tapml_failed = false;              // a run failed for TapML's own reason (an offload error)
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

// "a, b, c"
std::string join(const std::vector<std::string>& words, const char* separator);

}  // namespace tapml::migrate
