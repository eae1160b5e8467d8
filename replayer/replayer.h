// The replay: for each selected call (selection.h), build it for the target
// (call_builder.h), run its kernel, download the outputs and compare them
// with the recorded ones (compare.h) under the tolerance policy; with
// `repeat` > 1, run it again and compare the runs bitwise (FLAKY). Each
// result is named by its case (case_naming.h) and occurrence.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "backends/backend.h"
#include "replayer/isolation/isolated_runner.h"
#include "replayer/report.h"
#include "replayer/selection.h"
#include "replayer/tolerance.h"
#include "store/reader.h"

namespace tapml::replay {

struct ReplayOptions {
  CallFilter filter;
  bool leaves = false;     // test the innermost compute calls instead of the outermost
  bool fail_fast = false;  // stop at the first FAIL, ERROR or FLAKY
  int repeat = 1;          // runs per call; results that differ between runs are FLAKY
  TolerancePolicy tolerance = TolerancePolicy::defaults();
  // Set: each call runs in a worker process (isolation/isolated_runner.h);
  // a crash or hang is that call's CRASH or TIMEOUT.
  std::optional<IsolationOptions> isolation;
};

// Told before the first call (how many are planned) and after each; `last`
// is null for a planned call that was skipped (its values are missing).
struct ProgressObserver {
  std::function<void(size_t total)> planned;
  std::function<void(size_t done, const CallResult* last)> call_done;
};

// Why a replay tested nothing, or empty when it ran a call: no compute call
// selected, or every selected one skipped (values not captured). Bad input
// for every caller, never a green run: a typo in an op pattern would
// otherwise pass CI with "coverage 100 %". `selection` says how calls were
// chosen ("--op 'softmax' with --calls 0:100"; empty: all of them).
std::string nothing_replayed(const Summary& summary, const std::string& selection,
                             size_t trace_calls);

// Throws store::TraceError when the trace is unreadable mid-way.
Report replay(const store::TraceReader& trace, const backends::Backend& backend,
              backends::Device& device, const ReplayOptions& options,
              const ProgressObserver& progress = {});

}  // namespace tapml::replay
