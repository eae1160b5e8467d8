#include "migrate/migration/hybrid_run.h"

#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/exit_code.h"
#include "migrate/diff/call_stream.h"

namespace tapml::migrate {

namespace fs = std::filesystem;

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void read_offload_report(const std::string& path, StepResult& step) {
  std::ifstream in(path);
  if (!in) return;
  try {
    const nlohmann::json report = nlohmann::json::parse(in);
    step.calls_offloaded = report.value("offloaded_calls", int64_t{0});
    step.calls_declined = report.value("declined_calls", int64_t{0});
    step.calls_checked = report.value("checked_calls", int64_t{0});
    step.calls_beyond = report.value("beyond_calls", int64_t{0});
    for (const nlohmann::json& call : report.value("beyond", nlohmann::json::array())) {
      step.beyond.push_back({call.value("op", ""), call.value("ordinal", int64_t{-1}),
                             call.value("nmse", 0.0), call.value("message", "")});
    }
    const auto ops = report.find("ops");
    if (ops == report.end() || !ops->is_object()) return;
    for (auto it = ops->begin(); it != ops->end(); ++it) {
      step.op_calls[it.key()] = it->value("calls", int64_t{0});
      const int64_t declined = it->value("declined", int64_t{0});
      if (declined > 0) step.declined[it.key()] = {declined, it->value("why_declined", "")};
    }
  } catch (const std::exception&) {
  }
}

// "aten::X 3 (why), aten::Y 1 (why)": the declined calls of a run.
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

void judge(const DiffResult& diff, StepResult& step) {
  step.end_to_end_found = diff.final_outputs.found;
  step.end_to_end_nmse = diff.final_outputs.nmse;
  step.generation = diff.tokens.generation;
  step.tokens_identical = diff.tokens.identical;
  step.passed = diff.same;
  step.verdict = diff.verdict;
  if (!diff.first) return;
  const CallDiff& call = diff.calls.at(diff.first->call_index);
  step.first_diverging = "call " + std::to_string(call.ref_seq) + " " + call.op +
                         (call.scope.empty() ? "" : " (" + call.scope + ")");
  step.first_diverging_op = call.op;
  step.first_diverging_seq = call.ref_seq;
  step.first_diverging_scope = call.scope;
  for (const TensorDiff& output : call.outputs) {
    if (!output.problem.empty()) {
      step.first_diverging_worst = output.arg + ": " + output.problem;
      break;
    }
  }
}

// A run whose offloaded calls all stayed within their per-call tolerance
// can still fail end to end (errors that add up); one with a call beyond it
// fails even when the end result is within its looser bound.
void judge_checks(StepResult& step) {
  if (step.calls_beyond == 0) return;
  const std::string beyond = std::to_string(step.calls_beyond) + " of " +
                             std::to_string(step.calls_checked) +
                             " offloaded calls beyond their per-call tolerance";
  std::string first;
  if (!step.beyond.empty()) {
    first = "; first: " + step.beyond.front().op + " call " +
            std::to_string(step.beyond.front().ordinal) + " (" + step.beyond.front().message + ")";
  }
  step.verdict = step.passed ? beyond + first : step.verdict + "; " + beyond + first;
  step.passed = false;
}

}  // namespace

std::string last_line(const std::string& text) {
  std::string trimmed = text;
  while (!trimmed.empty() && (trimmed.back() == '\n' || trimmed.back() == ' ')) trimmed.pop_back();
  const size_t pos = trimmed.rfind('\n');
  return pos == std::string::npos ? trimmed : trimmed.substr(pos + 1);
}

recorder::Captured record_program(const MigrationOptions& options, const std::string& output,
                                  const std::string& ops) {
  std::vector<std::string> argv = {(fs::path(options.tools_dir) / "tapml-record").string(),
                                   options.run_config, "--output", output, "--quiet"};
  if (!ops.empty()) {
    argv.insert(argv.end(), {"--offload-target", options.target, "--offload-ops", ops,
                             "--offload-check", "true"});
    if (!options.tolerance_path.empty()) {
      argv.insert(argv.end(), {"--offload-tolerance", options.tolerance_path});
    }
  }
  return recorder::run_capture(argv, recorder::current_environment(), fs::current_path().string());
}

ReferenceCall HybridRunner::reference_call(const std::string& op, int64_t ordinal) {
  const CallStream stream = load_stream(reference_);
  for (const StreamCall& call : stream.calls) {
    if (call.op != op) continue;
    bool nested = false;
    for (int64_t up = call.parent; up >= 0 && !nested; up = stream.calls[up].parent) {
      nested = stream.calls[up].op == op;
    }
    if (!nested && ordinal-- == 0) return {call.seq, call.scope};
  }
  return {};
}

void HybridRunner::forget(const std::string& trace) {
  if (options_.keep_traces || trace.empty()) return;
  std::error_code ec;
  fs::remove(trace, ec);
  fs::remove(trace + ".offload.json", ec);
}

StepResult HybridRunner::run(const std::string& ops, const std::string& purpose) {
  StepResult step;
  step.index = ++runs_;
  step.purpose = purpose;
  step.offload_ops = ops;
  step.trace =
      (fs::path(options_.work_dir) / ("run" + std::to_string(step.index) + ".h5")).string();
  std::fprintf(stderr, "tapml-migrate: run %d: %s\n", step.index, purpose.c_str());

  const auto started = std::chrono::steady_clock::now();
  const recorder::Captured run = record_program(options_, step.trace, ops);
  step.program_exit = recorder::exit_code_of(run.status);
  read_offload_report(step.trace + ".offload.json", step);
  if (step.program_exit != 0 || !fs::exists(step.trace)) {
    step.program_error = offload_error_line(run.err);
    step.offload_error =
        !step.program_error.empty() && step.program_exit == exit_code(ExitCode::kTapmlFailed);
    if (step.program_error.empty()) step.program_error = last_line(run.err);
    step.verdict = step.offload_error
                       ? step.program_error
                       : "the hybrid run failed (exit code " + std::to_string(step.program_exit) +
                             "): " + step.program_error;
  } else {
    DiffOptions diff_options = options_.diff;
    diff_options.target = options_.target;
    const auto hybrid = store::TraceReader::open(step.trace);
    judge(diff_traces(reference_, *hybrid, diff_options), step);
    judge_checks(step);
    if (options_.max_declined >= 0 && step.calls_declined > options_.max_declined) {
      step.passed = false;
      step.too_many_declined = true;
      step.verdict = std::to_string(step.calls_declined) +
                     " selected calls ran where the program put them, more than --max-declined " +
                     std::to_string(options_.max_declined) + " (" + declined_text(step) + ")";
    }
  }
  step.seconds = seconds_since(started);
  std::fprintf(stderr, "tapml-migrate: run %d: %lld calls on %s, %s (%.1f s)\n", step.index,
               static_cast<long long>(step.calls_offloaded), options_.target.c_str(),
               step.passed              ? "within tolerance"
               : step.offload_error     ? "OFFLOAD ERROR (TapML, not the kernel)"
               : step.too_many_declined ? "TOO MANY DECLINED CALLS"
                                        : "LEAVES TOLERANCE",
               step.seconds);

  // Keep this run's trace and the last failing one; forget the rest.
  if (last_trace_ != last_failing_trace_) forget(last_trace_);
  if (!step.passed) {
    if (last_failing_trace_ != step.trace) forget(last_failing_trace_);
    last_failing_trace_ = step.trace;
  }
  last_trace_ = step.trace;
  return step;
}

}  // namespace tapml::migrate
