#include "migrate/migration/migration.h"

#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "backends/backend.h"
#include "backends/target.h"
#include "migrate/migration/bisection.h"
#include "migrate/migration/emit_test.h"
#include "recorder/launch/launch.h"
#include "store/op_pattern.h"

namespace tapml::migrate {

namespace fs = std::filesystem;

namespace {

const backends::Backend& checked_target(const std::string& name) {
  const backends::Backend* backend = nullptr;
  try {
    backend = &backends::resolve_target(name, "--target");
  } catch (const backends::TargetError& e) {
    throw MigrateInputError(e.what());
  }
  try {
    if (backend->devices().empty()) throw backends::BackendError("no device");
  } catch (const backends::BackendError& e) {
    throw MigrateInputError("--target " + name + ": the platform is missing: " + e.what());
  }
  return *backend;
}

// Records the reference run unless it exists; whether it recorded.
bool ensure_reference(const MigrationOptions& options) {
  if (fs::exists(options.reference)) return false;
  std::fprintf(stderr, "tapml-migrate: recording the reference run into %s\n",
               options.reference.c_str());
  recorder::Captured run = record_program(options, options.reference, "");
  if (!WIFEXITED(run.status) || WEXITSTATUS(run.status) != 0 || !fs::exists(options.reference)) {
    throw MigrateInputError("the reference run of " + options.run_config +
                            " failed: " + last_line(run.err));
  }
  return true;
}

std::vector<OpKind> chosen_kinds(const MigrationOptions& options,
                                 const store::TraceReader& reference,
                                 const backends::Backend& target) {
  std::vector<OpKind> kinds = migration_order(reference, target.kernels(), options.python);
  if (options.only_ops.empty()) return kinds;
  // Each entry is an op pattern (store/op_pattern.h); the chosen kinds keep
  // the migration order, and an entry that chooses no kind is bad input.
  std::vector<store::OpPattern> patterns;
  for (const std::string& text : options.only_ops) {
    try {
      patterns.emplace_back(text, "--ops");
    } catch (const store::OpPatternError& e) {
      throw MigrateInputError(e.what());
    }
    if (std::none_of(kinds.begin(), kinds.end(),
                     [&](const OpKind& kind) { return patterns.back().matches(kind.name); })) {
      throw MigrateInputError("--ops: '" + text + "' matches no op kind of " + options.reference +
                              " that " + options.target +
                              " can run (tapml-migrate --list-kinds shows them)");
    }
  }
  std::vector<OpKind> chosen;
  for (const OpKind& kind : kinds) {
    if (std::any_of(patterns.begin(), patterns.end(),
                    [&](const store::OpPattern& pattern) { return pattern.matches(kind.name); })) {
      chosen.push_back(kind);
    }
  }
  return chosen;
}

std::unique_ptr<store::TraceReader> prepare(const MigrationOptions& options,
                                            std::vector<OpKind>& kinds, bool* reused = nullptr) {
  const backends::Backend& target = checked_target(options.target);
  if (!fs::exists(options.run_config)) {
    throw MigrateInputError(options.run_config + ": no such run.cfg");
  }
  if (options.kinds_per_step < 1) throw MigrateInputError("--kinds-per-step must be at least 1");
  std::error_code ec;
  fs::create_directories(options.work_dir, ec);
  if (ec) throw MigrateInputError("--work " + options.work_dir + ": " + ec.message());
  const bool recorded = ensure_reference(options);
  if (reused != nullptr) *reused = !recorded;
  auto reference = store::TraceReader::open(options.reference);
  kinds = chosen_kinds(options, *reference, target);
  if (kinds.empty()) {
    throw MigrateInputError(options.reference + ": no op kind that " + options.target +
                            " has a kernel for");
  }
  return reference;
}

}  // namespace

std::vector<OpKind> kinds_to_migrate(const MigrationOptions& options) {
  std::vector<OpKind> kinds;
  prepare(options, kinds);
  return kinds;
}

namespace {

// The paper's log: `kinds_per_step` more kinds per step, until a step
// leaves tolerance.
void migrate_linearly(HybridRuns& runner, const MigrationOptions& options,
                      MigrationResult& result) {
  result.strategy = "linear";
  std::vector<std::string> offloaded;
  for (size_t next = 0; next < result.kinds.size();) {
    std::vector<std::string> added;
    for (int k = 0; k < options.kinds_per_step && next < result.kinds.size(); ++k, ++next) {
      added.push_back(result.kinds[next].name);
      offloaded.push_back(result.kinds[next].name);
    }
    const bool last = next == result.kinds.size();
    // The last step offloads everything the target runs, kinds this
    // reference never showed included, unless the kinds were chosen.
    StepResult step = runner.run(last && options.only_ops.empty() ? "all" : join(offloaded, ","),
                                 "step " + std::to_string(result.steps.size() + 1) + ": + " +
                                     join(added, ", ") + (last ? " (the last)" : ""));
    step.added = added;
    step.kinds_offloaded = offloaded.size();
    result.steps.push_back(step);
    if (!step.passed) break;
  }

  const StepResult& final_step = result.steps.back();
  result.complete = final_step.passed;
  const std::string at = "migration stopped at step " + std::to_string(final_step.index);
  if (result.complete) {
    result.summary = "migration complete: all " + std::to_string(result.kinds.size()) +
                     " op kinds run on " + options.target + ", end to end within tolerance";
  } else if (final_step.too_many_declined) {
    result.summary = at + ": " + final_step.verdict;
  } else if (final_step.offload_error) {
    result.tapml_failed = true;
    result.summary = at + " by TapML's own failure, not a kernel's: " + final_step.program_error;
  } else {
    const auto& added = final_step.added;
    const bool named =
        std::find(added.begin(), added.end(), final_step.first_diverging_op) != added.end();
    result.culprit = named ? final_step.first_diverging_op : join(added, ", ");
    result.culprit_call = final_step.first_diverging;
    result.summary =
        at + ": " + result.culprit + " on " + options.target + " leaves tolerance" +
        (result.culprit_call.empty() ? "" : "; first diverging " + result.culprit_call);
  }
}

}  // namespace

std::string join(const std::vector<std::string>& words, const char* separator) {
  std::string text;
  for (const std::string& word : words) text += (text.empty() ? "" : separator) + word;
  return text;
}

MigrationResult migrate(const MigrationOptions& options) {
  MigrationResult result;
  bool reused = false;
  const auto reference = prepare(options, result.kinds, &reused);
  if (reused) {
    std::fprintf(stderr, "tapml-migrate: reusing the reference run %s\n",
                 options.reference.c_str());
  }
  result.model = reference->meta().model;
  result.target = options.target;
  result.reference = options.reference;
  HybridRunner runner(options, *reference);
  if (options.linear) {
    migrate_linearly(runner, options, result);
  } else {
    bisect(runner, options, result);
  }
  if (!options.emit_test.empty() && result.call.ref_seq >= 0) {
    result.emitted_test = emit_test(options, result.call.ref_seq);
  }
  return result;
}

}  // namespace tapml::migrate
