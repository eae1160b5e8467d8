// Running one recorded call on a target's kernel and judging its outputs:
// build it (call_builder.h), run the kernel, download each output, compare it
// with the recorded values (compare.h) under the tolerance policy, and check
// that nothing outside the output's view was written. Asked for several runs,
// it runs the call again on fresh buffers from the same inputs and compares
// each run's outputs bitwise with the first's (run_difference.h). Shared by
// the replayer and the generated test suites (gen/testing), so both judge a
// kernel alike.
#pragma once

#include <optional>
#include <string>

#include "backends/backend.h"
#include "replayer/call_builder.h"
#include "replayer/report.h"
#include "replayer/tolerance.h"
#include "store/reader.h"

namespace tapml::replay {

// A PASS result naming the call: seq, op, scope and its inputs described
// ("self: float32[1, 9, 576]", "dim: -1").
CallResult result_for(const store::Call& call);

class CallRunner {
 public:
  CallRunner(const store::TraceReader& trace, const backends::Backend& backend,
             backends::Device& device, const TolerancePolicy& tolerance);

  CallBuilder& builder() { return builder_; }

  // The result of running one call `runs` times, or nullopt (with the
  // reason) when the trace lacks its values. The first run is judged against
  // the recorded outputs; a later run whose outputs differ from the first's
  // makes the call FLAKY. Throws store::TraceError when the trace is
  // unreadable; every kernel or platform failure is an ERROR result.
  // Announce each call `runs` times to builder().expect_uses, so cached
  // inputs stay uploaded across the runs.
  std::optional<CallResult> run(const store::Call& call, std::string* skipped_because,
                                int runs = 1);

 private:
  // Judges the first run's output `expected`, whose view holds `actual`.
  void check(const store::Call& call, const ExpectedOutput& expected,
             const std::vector<std::byte>& storage, const std::vector<std::byte>& actual,
             const backends::Tensor& out, CallResult& result);

  const store::TraceReader& trace_;
  const backends::Backend& backend_;
  backends::Device& device_;
  const TolerancePolicy& tolerance_;
  CallBuilder builder_;
  TensorValues input_values_;  // for forward bounds, cached across calls
};

}  // namespace tapml::replay
