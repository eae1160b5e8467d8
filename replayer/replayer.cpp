#include "replayer/replayer.h"

#include <chrono>
#include <ctime>
#include <map>

#include "replayer/replay_session.h"

namespace tapml::replay {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

Report replay(const store::TraceReader& trace, const backends::Backend& backend,
              backends::Device& device, const ReplayOptions& options,
              const ProgressObserver& progress) {
  const auto start = Clock::now();
  Report report;
  Summary& summary = report.summary;
  summary.trace = trace.path();
  summary.target = backend.name();
  summary.device = device.name();
  summary.numerics = backend.numerics();
  summary.mode = options.leaves ? "leaves" : "outermost";
  summary.repeat = options.repeat;
  summary.started = std::time(nullptr);

  ReplaySession session(trace, backend, device, options);
  const Plan& plan = session.plan();
  summary.roots = plan.roots;
  summary.covered = plan.covered_roots;
  summary.coverage = plan.roots > 0
                         ? static_cast<double>(plan.covered_roots) / static_cast<double>(plan.roots)
                         : 1.0;
  for (int64_t seq : plan.skipped) {
    const CallNode& node = session.node(seq);
    ++summary.skipped;
    ++summary.skipped_reasons[node.skip_reason];
    ++report.ops[node.op].skipped;
  }
  summary.isolated = session.isolated();
  session.expect_all_runs();

  std::map<int64_t, bool> root_covered = plan.root_covered;

  // Runs and unsupported calls, reported together in seq order.
  const std::vector<PlannedCall>& work = session.planned();
  if (progress.planned) progress.planned(work.size());
  size_t done = 0;
  for (const PlannedCall& planned : work) {
    std::string skipped_because;
    std::optional<CallResult> result = session.result(planned, &skipped_because);
    ++done;
    if (!result) {
      if (progress.call_done) progress.call_done(done, nullptr);
      ++summary.skipped;
      ++summary.skipped_reasons[skipped_because];
      ++report.ops[planned.op].skipped;
      continue;
    }
    // A call the target declined when it ran uncovers its root.
    if (planned.run && result->status == Status::Unsupported) {
      const int64_t root = plan.root_of.at(planned.seq);
      if (bool& covered = root_covered.at(root); covered) {
        covered = false;
        --summary.covered;
        summary.coverage =
            static_cast<double>(summary.covered) / static_cast<double>(summary.roots);
      }
    }
    tally(report, *result);
    report.calls.push_back(std::move(*result));
    if (progress.call_done) progress.call_done(done, &report.calls.back());
    if (options.fail_fast && is_failure(report.calls.back().status)) {
      summary.stopped_early = done < work.size();
      break;
    }
  }
  summary.worker_restarts = session.worker_restarts();
  summary.wall_seconds = seconds_since(start);
  const double run_calls =
      static_cast<double>(summary.passed + summary.failed + summary.errors + summary.flaky);
  if (summary.wall_seconds > 0) {
    summary.calls_per_second = run_calls / summary.wall_seconds;
    summary.mb_per_second = summary.input_bytes / 1e6 / summary.wall_seconds;
  }
  return report;
}

std::string nothing_replayed(const Summary& s, const std::string& selection, size_t trace_calls) {
  if (s.roots == 0) {
    return s.trace + ": " +
           (selection.empty() ? std::string("no compute call to replay among its ")
                              : selection + " selects no compute call among its ") +
           std::to_string(trace_calls) + " calls (tapml-trace ops " + s.trace +
           " lists its ops; op patterns: docs/architecture.md)";
  }
  if (s.calls == 0) {  // every selected call skipped (values not captured, duplicates)
    std::string reasons;
    for (const auto& [reason, count] : s.skipped_reasons) {
      reasons += (reasons.empty() ? "" : "; ") + reason + " (" + std::to_string(count) + ")";
    }
    return s.trace + ": none of the " + std::to_string(s.skipped) + " calls " +
           (selection.empty() ? std::string("it holds") : selection + " selects") +
           " could run: " + reasons;
  }
  return "";
}

}  // namespace tapml::replay
