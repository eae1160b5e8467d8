// What a tapml-migrate run is asked to do, shared by the hybrid-run helper,
// the strategies (linear steps, bisection) and the command line. Kept apart
// from migration.h so that a hybrid run does not depend on a strategy.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

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
  std::string work_dir;               // hybrid traces and reports
  std::string reference;              // the reference trace; recorded there when missing
  std::vector<std::string> only_ops;  // restrict the kinds (empty: every kind the target runs)
  bool linear = false;                // the step-by-step strategy instead of bisection
  int kinds_per_step = 1;             // linear: kinds added per step
  bool keep_traces = false;           // else only the last and the failing run's traces stay
  int64_t max_declined = -1;          // a run with more declined calls fails; -1: no limit
  std::string tolerance_path;         // per-call and end-to-end rules (tapml-replay's format)
  std::string emit_test;              // folder for the generated test of the first diverging call
  DiffOptions diff;
  std::string tools_dir;  // where tapml-record, tapml-trace and tapml-gen are
  std::string python;     // the interposer's python
};

}  // namespace tapml::migrate
