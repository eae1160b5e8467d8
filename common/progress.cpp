#include "common/progress.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace tapml {
namespace {

std::chrono::steady_clock::duration log_interval() {
  const char* text = std::getenv("TAPML_PROGRESS_SECONDS");
  double seconds = 10;
  if (text != nullptr && *text != '\0') {
    char* end = nullptr;
    const double value = std::strtod(text, &end);
    if (end != text && *end == '\0' && value >= 0) seconds = value;
  }
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(seconds));
}

std::string clock_text(double seconds) {
  const auto whole = static_cast<long>(seconds);
  char text[32];
  std::snprintf(text, sizeof text, "%ld:%02ld", whole / 60, whole % 60);
  return text;
}

}  // namespace

ProgressReporter::ProgressReporter(std::string tool, std::string unit, bool enabled)
    : tool_(std::move(tool)),
      unit_(std::move(unit)),
      enabled_(enabled),
      terminal_(::isatty(STDERR_FILENO) != 0),
      every_(terminal_ ? std::chrono::milliseconds(100) : log_interval()),
      start_(Clock::now()),
      last_print_(start_) {}

ProgressReporter::~ProgressReporter() { clear(); }

void ProgressReporter::start(size_t total, std::string phase) {
  total_ = total;
  phase_ = std::move(phase);
  start_ = last_print_ = Clock::now();
}

std::string ProgressReporter::line(size_t done, std::string_view current) const {
  const double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0;
  const double left = rate > 0 && total_ > done ? static_cast<double>(total_ - done) / rate : 0;
  const double percent =
      total_ ? 100.0 * static_cast<double>(done) / static_cast<double>(total_) : 100.0;
  char text[256];
  std::snprintf(text, sizeof text, "%s%s%zu/%zu %s (%.0f%%), %.1f %s/s, %s elapsed, %s left",
                phase_.c_str(), phase_.empty() ? "" : ": ", done, total_, unit_.c_str(), percent,
                rate, unit_.c_str(), clock_text(elapsed).c_str(), clock_text(left).c_str());
  std::string out = text;
  if (!current.empty()) out += ", at " + std::string(current.substr(0, 48));
  return out;
}

void ProgressReporter::update(size_t done, std::string_view current) {
  if (!enabled_) return;
  const auto now = Clock::now();
  if (done < total_ && now - last_print_ < every_) return;
  if (!terminal_ && done >= total_ && now - start_ < every_) return;  // short work: no lines
  last_print_ = now;
  if (terminal_) {
    std::fprintf(stderr, "\r\033[K%s", line(done, current).c_str());
    drawn_ = true;
  } else {
    std::fprintf(stderr, "%s: %s\n", tool_.c_str(), line(done, current).c_str());
  }
  std::fflush(stderr);
}

void ProgressReporter::clear() {
  if (!drawn_) return;
  std::fprintf(stderr, "\r\033[K");
  std::fflush(stderr);
  drawn_ = false;
}

}  // namespace tapml
