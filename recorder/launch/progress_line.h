// The progress line while a program records: calls seen, calls stored,
// distinct tensors, MB written, calls per second. Rewritten in place on a
// terminal; a plain line now and then otherwise (logs, CI).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "recorder/common/progress.h"

namespace tapml::recorder {

class ProgressLine {
 public:
  ProgressLine(std::string progress_file, bool quiet);
  ~ProgressLine();
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  // Called often; prints when it is time.
  void tick();
  // Ends the line on a terminal.
  void done();
  // The block, once the program created it (nullptr before).
  const ProgressBlock* block();

 private:
  std::string text();

  std::string path_;
  bool quiet_;
  bool tty_;
  bool line_open_ = false;
  std::unique_ptr<ProgressFile> file_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_print_ = started_;
  std::chrono::steady_clock::time_point last_rate_time_ = started_;
  int64_t last_rate_calls_ = 0;
  double rate_ = 0;
};

std::string megabytes(int64_t bytes);

}  // namespace tapml::recorder
