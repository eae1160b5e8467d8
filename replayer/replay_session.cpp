#include "replayer/replay_session.h"

#include <algorithm>

#include "replayer/call_builder.h"
#include "replayer/layout.h"

namespace tapml::replay {
namespace {

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

ReplaySession::ReplaySession(const store::TraceReader& trace, const backends::Backend& backend,
                             backends::Device& device, const ReplayOptions& options)
    : trace_(trace), options_(options) {
  TraceCases cases;
  nodes_ = read_nodes(trace, backend.kernels(), cases);
  plan_ = plan_replay(nodes_, options.filter, options.leaves);
  const std::map<int64_t, TraceCases::Entry> names = cases.names();
  auto add = [&](int64_t seq, bool run) {
    PlannedCall call;
    call.seq = seq;
    call.run = run;
    call.op = nodes_[static_cast<size_t>(seq)].op;
    if (auto named = names.find(seq); named != names.end()) {
      call.case_name = named->second.name;
      call.occurrence = named->second.occurrence;
    }
    planned_.push_back(std::move(call));
  };
  for (int64_t seq : plan_.run) add(seq, true);
  for (int64_t seq : plan_.unsupported) add(seq, false);
  std::sort(planned_.begin(), planned_.end(),
            [](const PlannedCall& a, const PlannedCall& b) { return a.seq < b.seq; });
  if (options.isolation) {
    isolated_.emplace(*options.isolation);
    isolated_->plan(plan_.run, options.repeat);
  } else {
    runner_.emplace(trace, backend, device, options_.tolerance);
  }
}

void ReplaySession::expect_all_runs() {
  announced_all_ = true;
  if (!runner_) return;  // a worker announces its own
  for (int64_t seq : plan_.run) {
    const store::Call call = trace_.call(static_cast<size_t>(seq));
    for (int run = 0; run < options_.repeat; ++run) runner_->builder().expect_uses(call);
  }
}

std::optional<CallResult> ReplaySession::result(const PlannedCall& planned,
                                                std::string* skipped_because) {
  const store::Call call = trace_.call(static_cast<size_t>(planned.seq));
  std::optional<CallResult> result;
  if (planned.run) {
    if (runner_ && !announced_all_) {  // a call run alone: cached across its own runs only
      for (int run = 0; run < options_.repeat; ++run) runner_->builder().expect_uses(call);
    }
    result = isolated_ ? isolated_->run(call, skipped_because, options_.repeat)
                       : runner_->run(call, skipped_because, options_.repeat);
  } else {
    result = result_for(call);
    result->status = Status::Unsupported;
    result->message = nodes_[static_cast<size_t>(planned.seq)].why_unsupported;
  }
  if (result && !planned.case_name.suite.empty()) {
    result->case_name = planned.case_name;
    result->occurrence = planned.occurrence;
  }
  return result;
}

}  // namespace tapml::replay
