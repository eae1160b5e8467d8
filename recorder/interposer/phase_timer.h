// Timing counters of the recorder's own work, for finding where recording
// time goes (perf is not always at hand): TAPML_PROFILE=1 in the recorded
// program's environment switches them on, and the trace's metadata gets
// `profile_<phase>_ms` entries. Off, a timer costs one branch.
#pragma once

#include <chrono>
#include <cstdint>

namespace tapml::recorder {

struct PhaseTotals {
  bool enabled = false;
  int64_t enter_ns = 0;   // the entry callback, values of inputs included
  int64_t exit_ns = 0;    // the exit callback, values of outputs and the call's write included
  int64_t values_ns = 0;  // hashing and copying tensor values (first uses only)
  int64_t copy_ns = 0;    // of which copying values into the spool
  int64_t write_ns = 0;   // serialising and appending call records
};

class PhaseTimer {
 public:
  PhaseTimer(const PhaseTotals& totals, int64_t& total)
      : total_(totals.enabled ? &total : nullptr) {
    if (total_) start_ = std::chrono::steady_clock::now();
  }
  ~PhaseTimer() {
    if (total_) {
      *total_ += std::chrono::duration_cast<std::chrono::nanoseconds>(
                     std::chrono::steady_clock::now() - start_)
                     .count();
    }
  }
  PhaseTimer(const PhaseTimer&) = delete;
  PhaseTimer& operator=(const PhaseTimer&) = delete;

 private:
  int64_t* total_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace tapml::recorder
