#include "replayer/replayer.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <map>

#include "replayer/call_builder.h"
#include "replayer/call_runner.h"
#include "replayer/case_naming.h"
#include "replayer/layout.h"

namespace tapml::replay {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Each call's place in the tree and whether the target supports it, decided
// on metadata alone: no values are read here. `cases` gets every call.
std::vector<CallNode> read_nodes(const store::TraceReader& trace,
                                 const backends::KernelTable& kernels, TraceCases& cases) {
  std::vector<CallNode> nodes(trace.num_calls());
  CallBuilder metadata_only;
  for (size_t i = 0; i < nodes.size(); ++i) {
    const store::Call call = trace.call(i);
    cases.add(call);
    CallNode& node = nodes[i];
    node.seq = static_cast<int64_t>(i);
    node.parent = call.parent;
    node.op = call.full_name();
    node.op_class = store::classify_call(call);
    node.skip_reason = skip_reason(call);
    node.runnable = node.skip_reason.empty();
    if (node.op_class != store::OpClass::Compute) continue;
    const BuiltCall built = metadata_only.build(call);
    if (!built.unsupported.empty()) {
      node.why_unsupported = built.unsupported;
      continue;
    }
    try {
      node.supported = kernels.select(built.call, &node.why_unsupported) != nullptr;
    } catch (const backends::DeviceLost&) {
      throw;  // a remote server that died: nothing more can run
    } catch (const std::exception&) {
      // A kernel's predicate that throws is a kernel defect: run the call so
      // that it is reported as an ERROR with this message.
      node.supported = true;
    }
    if (node.supported) node.why_unsupported.clear();
  }
  return nodes;
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
  summary.mode = options.leaves ? "leaves" : "outermost";
  summary.repeat = options.repeat;
  summary.started = std::time(nullptr);

  TraceCases cases;
  const std::vector<CallNode> nodes = read_nodes(trace, backend.kernels(), cases);
  const std::map<int64_t, TraceCases::Entry> case_names = cases.names();
  const Plan plan = plan_replay(nodes, options.filter, options.leaves);
  summary.roots = plan.roots;
  summary.covered = plan.covered_roots;
  summary.coverage = plan.roots > 0
                         ? static_cast<double>(plan.covered_roots) / static_cast<double>(plan.roots)
                         : 1.0;
  for (int64_t seq : plan.skipped) {
    ++summary.skipped;
    ++summary.skipped_reasons[nodes[static_cast<size_t>(seq)].skip_reason];
    ++report.ops[nodes[static_cast<size_t>(seq)].op].skipped;
  }

  // In this process, or each call in a worker process.
  std::optional<CallRunner> runner;
  std::optional<IsolatedRunner> isolated;
  if (options.isolation) {
    summary.isolated = true;
    isolated.emplace(*options.isolation);
    isolated->plan(plan.run, options.repeat);
  } else {
    runner.emplace(trace, backend, device, options.tolerance);
    for (int64_t seq : plan.run) {
      const store::Call call = trace.call(static_cast<size_t>(seq));
      for (int run = 0; run < options.repeat; ++run) runner->builder().expect_uses(call);
    }
  }

  // Runs and unsupported calls, reported together in seq order.
  std::vector<std::pair<int64_t, bool>> work;  // (seq, run it)
  for (int64_t seq : plan.run) work.emplace_back(seq, true);
  for (int64_t seq : plan.unsupported) work.emplace_back(seq, false);
  std::sort(work.begin(), work.end());
  if (progress.planned) progress.planned(work.size());

  size_t done = 0;
  for (const auto& [seq, run_it] : work) {
    const store::Call call = trace.call(static_cast<size_t>(seq));
    std::optional<CallResult> result;
    if (run_it) {
      std::string skipped_because;
      result = isolated ? isolated->run(call, &skipped_because, options.repeat)
                        : runner->run(call, &skipped_because, options.repeat);
      if (!result) {
        if (progress.call_done) progress.call_done(done + 1, nullptr);
        ++summary.skipped;
        ++summary.skipped_reasons[skipped_because];
        ++report.ops[call.full_name()].skipped;
      }
    } else {
      result = result_for(call);
      result->status = Status::Unsupported;
      result->message = nodes[static_cast<size_t>(seq)].why_unsupported;
    }
    ++done;
    if (result) {
      if (auto named = case_names.find(seq); named != case_names.end()) {
        result->case_name = named->second.name;
        result->occurrence = named->second.occurrence;
      }
      tally(report, *result);
      report.calls.push_back(std::move(*result));
      if (progress.call_done) progress.call_done(done, &report.calls.back());
      if (options.fail_fast && is_failure(report.calls.back().status)) {
        summary.stopped_early = done < work.size();
        break;
      }
    }
  }
  if (isolated) summary.worker_restarts = isolated->restarts();
  summary.wall_seconds = seconds_since(start);
  const double run_calls =
      static_cast<double>(summary.passed + summary.failed + summary.errors + summary.flaky);
  if (summary.wall_seconds > 0) {
    summary.calls_per_second = run_calls / summary.wall_seconds;
    summary.mb_per_second = summary.input_bytes / 1e6 / summary.wall_seconds;
  }
  return report;
}

}  // namespace tapml::replay
