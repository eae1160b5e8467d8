// A real tapml-serve child process on a free loopback port, for the remote
// tests: started with a token in its environment, stopped (or killed) at
// the end, its log kept for the test to read.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace tapml::remote::testing {

inline constexpr const char* kTestToken = "remote-test-token-5d1f";

class ServeProcess {
 public:
  // Starts `launcher... tapml-serve --target target --listen listen
  // extra_args...` and waits for its "listening on" line; throws
  // std::runtime_error with its log when it does not come. A launcher such
  // as `ip netns exec NAME` must exec the server in place (same pid).
  explicit ServeProcess(const std::string& target = "cpu", std::vector<std::string> extra_args = {},
                        std::vector<std::string> extra_env = {},
                        std::vector<std::string> launcher = {},
                        const std::string& listen = "127.0.0.1:0");
  ~ServeProcess();
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;

  const std::string& host_port() const { return host_port_; }
  // The server's resident memory, from /proc: it grows with what sessions
  // upload (buffers, content cache).
  uint64_t resident_bytes() const;
  bool running();
  // Sends `signal` without waiting (SIGSTOP freezes the server mid-request).
  void signal(int signal);
  // Sends `signal` and waits for the process to end; returns its wait status.
  int stop(int signal);
  // Its stderr so far.
  std::string log() const;
  // Waits up to `seconds` for `text` to appear in the log.
  bool wait_for_log(const std::string& text, double seconds) const;

 private:
  pid_t pid_ = -1;
  std::string log_path_;
  std::string host_port_;
};

}  // namespace tapml::remote::testing
