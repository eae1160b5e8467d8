#include "migrate/cli/migration.h"

#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "backends/backend.h"
#include "recorder/cli/launch.h"
#include "store/op_pattern.h"

namespace tapml::migrate {

namespace fs = std::filesystem;

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string last_line(const std::string& text) {
  std::string trimmed = text;
  while (!trimmed.empty() && (trimmed.back() == '\n' || trimmed.back() == ' ')) trimmed.pop_back();
  const size_t pos = trimmed.rfind('\n');
  return pos == std::string::npos ? trimmed : trimmed.substr(pos + 1);
}

// Runs tapml-record on the model's run.cfg, writing `output`; offload off
// when `ops` is empty.
recorder::Captured record(const MigrationOptions& options, const std::string& output,
                          const std::string& ops) {
  std::vector<std::string> argv = {(fs::path(options.tools_dir) / "tapml-record").string(),
                                   options.run_config, "--output", output, "--quiet"};
  if (!ops.empty()) {
    argv.insert(argv.end(), {"--offload-target", options.target, "--offload-ops", ops});
  }
  return recorder::run_capture(argv, recorder::current_environment(), fs::current_path().string());
}

const backends::Backend& checked_target(const std::string& name) {
  const backends::Backend* backend = backends::find_backend(name);
  if (backend == nullptr) {
    std::string names;
    for (const std::string& n : backends::backend_names()) names += (names.empty() ? "" : ", ") + n;
    throw MigrateInputError("--target: no backend named '" + name + "' (built: " + names + ")");
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
  recorder::Captured run = record(options, options.reference, "");
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

void read_offload_report(const std::string& path, StepResult& step) {
  std::ifstream in(path);
  if (!in) return;
  try {
    const nlohmann::json report = nlohmann::json::parse(in);
    step.calls_offloaded = report.value("offloaded_calls", int64_t{0});
    step.calls_declined = report.value("declined_calls", int64_t{0});
    const auto ops = report.find("ops");
    if (ops == report.end() || !ops->is_object()) return;
    for (auto it = ops->begin(); it != ops->end(); ++it) {
      const int64_t declined = it->value("declined", int64_t{0});
      if (declined > 0) step.declined[it.key()] = {declined, it->value("why_declined", "")};
    }
  } catch (const std::exception&) {
  }
}

// "aten::X 3 (why), aten::Y 1 (why)": the declined calls of a step.
std::string declined_text(const StepResult& step) {
  std::string text;
  for (const auto& [op, count_why] : step.declined) {
    text += (text.empty() ? "" : ", ") + op + " " + std::to_string(count_why.first) + " (" +
            count_why.second + ")";
  }
  return text;
}

// The offload layer's own failure ("offload error in aten::X: ..."), as
// tapml-record passed it on, or "".
std::string offload_error_line(const std::string& err) {
  const std::string marker = "offload error in ";
  const size_t at = err.find(marker);
  if (at == std::string::npos) return "";
  const size_t end = err.find('\n', at);
  return err.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

std::string describe_call(const CallDiff& call) {
  return "call " + std::to_string(call.ref_seq) + " " + call.op +
         (call.scope.empty() ? "" : " (" + call.scope + ")");
}

void judge(const DiffResult& diff, StepResult& step) {
  step.end_to_end_found = diff.final_outputs.found;
  step.end_to_end_nmse = diff.final_outputs.nmse;
  step.generation = diff.tokens.generation;
  step.tokens_identical = diff.tokens.identical;
  step.passed = diff.same;
  step.verdict = diff.verdict;
  if (diff.first) {
    const CallDiff& call = diff.calls.at(diff.first->call_index);
    step.first_diverging = describe_call(call);
    step.first_diverging_op = call.op;
  }
}

std::string join(const std::vector<std::string>& words, const char* separator) {
  std::string text;
  for (const std::string& word : words) text += (text.empty() ? "" : separator) + word;
  return text;
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
  std::error_code ec;

  std::vector<std::string> offloaded;
  std::string previous_trace;
  for (size_t next = 0; next < result.kinds.size();) {
    StepResult step;
    step.index = static_cast<int>(result.steps.size()) + 1;
    for (int k = 0; k < options.kinds_per_step && next < result.kinds.size(); ++k, ++next) {
      step.added.push_back(result.kinds[next].name);
      offloaded.push_back(result.kinds[next].name);
    }
    step.kinds_offloaded = offloaded.size();
    const bool last = next == result.kinds.size();
    // The last step offloads everything the target runs, kinds this
    // reference never showed included, unless the kinds were chosen.
    step.offload_ops = last && options.only_ops.empty() ? "all" : join(offloaded, ",");
    step.trace =
        (fs::path(options.work_dir) / ("step" + std::to_string(step.index) + ".h5")).string();
    std::fprintf(stderr, "tapml-migrate: step %d: + %s\n", step.index,
                 join(step.added, ", ").c_str());

    const auto started = std::chrono::steady_clock::now();
    recorder::Captured run = record(options, step.trace, step.offload_ops);
    step.program_exit = recorder::exit_code_of(run.status);
    read_offload_report(step.trace + ".offload.json", step);
    if (step.program_exit != 0 || !fs::exists(step.trace)) {
      step.passed = false;
      step.program_error = offload_error_line(run.err);
      step.offload_error =
          !step.program_error.empty() && step.program_exit == exit_code(ExitCode::kTapmlFailed);
      if (step.program_error.empty()) step.program_error = last_line(run.err);
      step.verdict = step.offload_error
                         ? step.program_error
                         : "the hybrid run failed (exit code " + std::to_string(step.program_exit) +
                               "): " + step.program_error;
    } else {
      DiffOptions diff_options = options.diff;
      diff_options.target = options.target;
      const auto hybrid = store::TraceReader::open(step.trace);
      judge(diff_traces(*reference, *hybrid, diff_options), step);
      if (options.max_declined >= 0 && step.calls_declined > options.max_declined) {
        step.passed = false;
        step.too_many_declined = true;
        step.verdict = std::to_string(step.calls_declined) +
                       " selected calls ran where the program put them, more than --max-declined " +
                       std::to_string(options.max_declined) + " (" + declined_text(step) + ")";
      }
    }
    step.seconds = seconds_since(started);
    std::fprintf(stderr, "tapml-migrate: step %d: %s (%.1f s)\n", step.index,
                 step.passed              ? "within tolerance"
                 : step.offload_error     ? "OFFLOAD ERROR (TapML, not the kernel)"
                 : step.too_many_declined ? "TOO MANY DECLINED CALLS"
                                          : "LEAVES TOLERANCE",
                 step.seconds);
    if (!options.keep_traces && !previous_trace.empty()) {
      fs::remove(previous_trace, ec);
      fs::remove(previous_trace + ".offload.json", ec);
    }
    previous_trace = step.trace;
    result.steps.push_back(step);
    if (!step.passed) break;
  }

  const StepResult& final_step = result.steps.back();
  result.complete = final_step.passed;
  if (result.complete) {
    result.summary = "migration complete: all " + std::to_string(result.kinds.size()) +
                     " op kinds run on " + options.target + ", end to end within tolerance";
    return result;
  }
  if (final_step.too_many_declined) {
    result.summary =
        "migration stopped at step " + std::to_string(final_step.index) + ": " + final_step.verdict;
    return result;
  }
  if (final_step.offload_error) {
    result.tapml_failed = true;
    result.summary = "migration stopped at step " + std::to_string(final_step.index) +
                     " by TapML's own failure, not a kernel's: " + final_step.program_error;
    return result;
  }
  const auto& added = final_step.added;
  const bool named =
      std::find(added.begin(), added.end(), final_step.first_diverging_op) != added.end();
  result.culprit = named ? final_step.first_diverging_op : join(added, ", ");
  result.culprit_call = final_step.first_diverging;
  result.summary = "migration stopped at step " + std::to_string(final_step.index) + ": " +
                   result.culprit + " on " + options.target + " leaves tolerance" +
                   (result.culprit_call.empty() ? "" : "; first diverging " + result.culprit_call);
  return result;
}

}  // namespace tapml::migrate
