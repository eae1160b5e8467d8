#include "recorder/launch/progress_line.h"

#include <unistd.h>

#include <cstdio>

namespace tapml::recorder {

namespace {

constexpr auto kTerminalEvery = std::chrono::milliseconds(500);
constexpr auto kLogEvery = std::chrono::seconds(10);

}  // namespace

std::string megabytes(int64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f MB", static_cast<double>(bytes) / 1e6);
  return text;
}

ProgressLine::ProgressLine(std::string progress_file, bool quiet)
    : path_(std::move(progress_file)), quiet_(quiet), tty_(::isatty(STDERR_FILENO) != 0) {}

ProgressLine::~ProgressLine() { done(); }

const ProgressBlock* ProgressLine::block() {
  if (!file_) file_ = ProgressFile::open(path_);
  return file_ ? &file_->block() : nullptr;
}

std::string ProgressLine::text() {
  const ProgressBlock* b = block();
  const auto now = std::chrono::steady_clock::now();
  const int64_t seen = b ? b->calls_seen.load(std::memory_order_relaxed) : 0;
  const double window = std::chrono::duration<double>(now - last_rate_time_).count();
  if (window >= 0.5) {
    rate_ = static_cast<double>(seen - last_rate_calls_) / window;
    last_rate_calls_ = seen;
    last_rate_time_ = now;
  }
  char line[256];
  if (b == nullptr) {
    std::snprintf(line, sizeof(line), "tapml-record: waiting for the first operator call (%.0f s)",
                  std::chrono::duration<double>(now - started_).count());
  } else {
    std::snprintf(line, sizeof(line),
                  "tapml-record: %lld calls seen, %lld stored, %lld tensors, %s written, "
                  "%.0f calls/s",
                  static_cast<long long>(seen),
                  static_cast<long long>(b->calls_stored.load(std::memory_order_relaxed)),
                  static_cast<long long>(b->tensors.load(std::memory_order_relaxed)),
                  megabytes(b->bytes_written.load(std::memory_order_relaxed)).c_str(), rate_);
  }
  return line;
}

void ProgressLine::tick() {
  if (quiet_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_print_ < (tty_ ? std::chrono::duration_cast<std::chrono::milliseconds>(
                                      kTerminalEvery)
                                : std::chrono::duration_cast<std::chrono::milliseconds>(
                                      kLogEvery))) {
    return;
  }
  last_print_ = now;
  if (tty_) {
    std::fprintf(stderr, "\r\033[K%s", text().c_str());
    line_open_ = true;
  } else {
    std::fprintf(stderr, "%s\n", text().c_str());
  }
  std::fflush(stderr);
}

void ProgressLine::done() {
  if (line_open_) {
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
    line_open_ = false;
  }
}

}  // namespace tapml::recorder
