// Progress of long work (replaying a trace, carving a suite, verifying a
// trace) on stderr, the way tapml-record shows its own: on a terminal a bar
// rewritten in place; otherwise (CI logs, a pipe) a plain line every few
// seconds, so that a long CI step shows it is alive, how far it got and how
// long is left, without filling the log. TAPML_PROGRESS_SECONDS sets the
// interval of the plain lines (default 10; 0 prints every update).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

namespace tapml {

class ProgressReporter {
 public:
  // `tool` prefixes plain lines ("tapml-replay"); `unit` names what is
  // counted ("calls"). Disabled, it prints nothing.
  ProgressReporter(std::string tool, std::string unit, bool enabled);
  ~ProgressReporter();
  ProgressReporter(const ProgressReporter&) = delete;
  ProgressReporter& operator=(const ProgressReporter&) = delete;

  // A new phase of `total` units ("checking tensors"); restarts the clock.
  void start(size_t total, std::string phase = "");
  // `done` of the total so far; `current` names the item just finished.
  void update(size_t done, std::string_view current = {});
  // Erases the bar on a terminal; prints nothing in a log.
  void clear();

 private:
  using Clock = std::chrono::steady_clock;
  std::string line(size_t done, std::string_view current) const;

  std::string tool_;
  std::string unit_;
  std::string phase_;
  bool enabled_;
  bool terminal_;
  bool drawn_ = false;
  size_t total_ = 0;
  Clock::duration every_;
  Clock::time_point start_;
  Clock::time_point last_print_;
};

}  // namespace tapml
