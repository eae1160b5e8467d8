// A command run as a child process for the remote tests (tapml-replay, the
// sample client, ip): its stdout and stderr go to one log file the test
// reads after waiting.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace tapml::remote::testing {

class ChildProcess {
 public:
  // Starts `argv` (searched in PATH) with `env` ("NAME=value") added.
  explicit ChildProcess(std::vector<std::string> argv, std::vector<std::string> env = {});
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Waits for the end; the exit code, or 128 + signal when a signal ended it.
  int wait();
  std::string output() const;

 private:
  pid_t pid_ = -1;
  int exit_code_ = -1;
  std::string log_path_;
};

// Runs `argv` to its end; its exit code and output.
struct ChildResult {
  int exit_code;
  std::string output;
};
ChildResult run_child(std::vector<std::string> argv, std::vector<std::string> env = {});

}  // namespace tapml::remote::testing
