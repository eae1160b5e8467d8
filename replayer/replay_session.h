// One replay, opened once and run call by call: the trace's call tree read,
// each call's support on the target decided and the selection planned
// (selection.h), cases named (case_naming.h); then any planned call can be
// run, alone and in any order. replay() runs them all in seq order; the
// Python package's pytest plugin runs each as its own test.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "backends/backend.h"
#include "replayer/call_runner.h"
#include "replayer/case_naming.h"
#include "replayer/isolation/isolated_runner.h"
#include "replayer/replayer.h"
#include "replayer/report.h"
#include "replayer/selection.h"
#include "store/reader.h"

namespace tapml::replay {

// A call the plan reports: run (`run`) or found unsupported.
struct PlannedCall {
  int64_t seq = 0;
  bool run = false;
  std::string op;          // full name
  CaseName case_name;      // empty for a call named by nothing
  int64_t occurrence = 0;  // among the trace's calls alike, from 1
};

class ReplaySession {
 public:
  // Reads the call tree and plans; no values are read. Throws
  // store::TraceError when the trace is unreadable.
  ReplaySession(const store::TraceReader& trace, const backends::Backend& backend,
                backends::Device& device, const ReplayOptions& options);

  const Plan& plan() const { return plan_; }
  // Every call the plan runs or reports unsupported, in seq order.
  const std::vector<PlannedCall>& planned() const { return planned_; }
  // A call's place in the tree, its op and why it is skipped (plan().skipped)
  // or unsupported.
  const CallNode& node(int64_t seq) const { return nodes_.at(static_cast<size_t>(seq)); }

  // Announces that every planned run will happen, in seq order, so inputs
  // shared by several calls stay uploaded between them (call_builder.h).
  void expect_all_runs();

  // The result of one planned call: its run, or UNSUPPORTED with the reason;
  // nullopt (with the reason) when the trace lacks its values. Throws
  // store::TraceError when the trace is unreadable mid-way.
  std::optional<CallResult> result(const PlannedCall& call, std::string* skipped_because);

  bool isolated() const { return isolated_.has_value(); }
  int64_t worker_restarts() const { return isolated_ ? isolated_->restarts() : 0; }

 private:
  const store::TraceReader& trace_;
  ReplayOptions options_;
  std::vector<CallNode> nodes_;
  Plan plan_;
  std::vector<PlannedCall> planned_;
  std::optional<CallRunner> runner_;        // in this process, or
  std::optional<IsolatedRunner> isolated_;  // each call in a worker process
  bool announced_all_ = false;
};

}  // namespace tapml::replay
