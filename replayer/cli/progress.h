// A one-line progress bar on stderr while calls replay: calls done of total,
// rate, time left and the op just run. Drawn only on a terminal.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace tapml::replay {

class ProgressBar {
 public:
  explicit ProgressBar(bool enabled);
  ~ProgressBar();
  void start(size_t total);
  void update(size_t done, const std::string& op);
  void clear();  // erases the line; the next update draws it again

 private:
  using Clock = std::chrono::steady_clock;
  bool enabled_;
  bool drawn_ = false;
  size_t total_ = 0;
  Clock::time_point start_;
  Clock::time_point last_draw_;
};

}  // namespace tapml::replay
