#include "replayer/cli/progress.h"

#include <unistd.h>

#include <cstdio>

namespace tapml::replay {

ProgressBar::ProgressBar(bool enabled) : enabled_(enabled && isatty(STDERR_FILENO)) {}

ProgressBar::~ProgressBar() { clear(); }

void ProgressBar::start(size_t total) {
  total_ = total;
  start_ = Clock::now();
  last_draw_ = start_ - std::chrono::seconds(1);
}

void ProgressBar::update(size_t done, const std::string& op) {
  if (!enabled_) return;
  const auto now = Clock::now();
  if (done < total_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0;
  const double left = rate > 0 ? static_cast<double>(total_ - done) / rate : 0;
  constexpr int kWidth = 30;
  const int filled = total_ ? static_cast<int>(kWidth * done / total_) : kWidth;
  std::string bar(static_cast<size_t>(filled), '#');
  bar.resize(kWidth, '.');
  const int minutes = static_cast<int>(left) / 60, seconds = static_cast<int>(left) % 60;
  std::fprintf(stderr, "\r\033[K[%s] %zu/%zu %.0f%% %.1f calls/s ETA %d:%02d %.40s", bar.c_str(),
               done, total_, total_ ? 100.0 * static_cast<double>(done) / static_cast<double>(total_) : 100.0,
               rate, minutes, seconds, op.c_str());
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressBar::clear() {
  if (!drawn_) return;
  std::fprintf(stderr, "\r\033[K");
  std::fflush(stderr);
  drawn_ = false;
}

}  // namespace tapml::replay
