#include "tests/remote/serve_process.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace tapml::remote::testing {
namespace {

// One line from `fd` within `seconds`; empty when none came.
std::string read_line(int fd, double seconds) {
  std::string line;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd item{fd, POLLIN, 0};
    if (::poll(&item, 1, 100) <= 0) continue;
    char c;
    if (::read(fd, &c, 1) != 1) break;
    if (c == '\n') return line;
    line += c;
  }
  return "";
}

}  // namespace

ServeProcess::ServeProcess(const std::string& target, std::vector<std::string> extra_args,
                           std::vector<std::string> extra_env, std::vector<std::string> launcher,
                           const std::string& listen) {
  static int counter = 0;
  log_path_ =
      (std::filesystem::temp_directory_path() / ("tapml-serve-test-" + std::to_string(::getpid()) +
                                                 "-" + std::to_string(counter++) + ".log"))
          .string();
  std::vector<std::string> args = std::move(launcher);
  for (const char* arg :
       {TAPML_SERVE_BINARY, "--target", target.c_str(), "--listen", listen.c_str()}) {
    args.emplace_back(arg);
  }
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  int out[2];
  if (::pipe(out) != 0) throw std::runtime_error("pipe failed");
  pid_ = ::fork();
  if (pid_ == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    FILE* log = std::fopen(log_path_.c_str(), "w");
    if (log) ::dup2(::fileno(log), STDERR_FILENO);
    ::close(out[0]);
    ::setenv("TAPML_TOKEN", kTestToken, 1);
    for (const std::string& assignment : extra_env) ::putenv(const_cast<char*>(assignment.c_str()));
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    ::execvp(argv[0], argv.data());
    std::_Exit(127);
  }
  ::close(out[1]);
  const std::string line = read_line(out[0], 60);
  ::close(out[0]);
  const std::string marker = "listening on tcp://";
  size_t at = line.find(marker);
  if (at == std::string::npos) {
    stop(SIGKILL);
    throw std::runtime_error("tapml-serve did not start: " + line + " " + log());
  }
  size_t end = line.find(',', at);
  host_port_ = line.substr(at + marker.size(), end - at - marker.size());
}

ServeProcess::~ServeProcess() {
  if (running()) stop(SIGTERM);
  std::error_code ignored;
  std::filesystem::remove(log_path_, ignored);
}

bool ServeProcess::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

void ServeProcess::signal(int signal) {
  if (pid_ > 0) ::kill(pid_, signal);
}

int ServeProcess::stop(int signal) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, signal);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return status;
}

uint64_t ServeProcess::resident_bytes() const {
  std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;  // in kB
  }
  return 0;
}

std::string ServeProcess::log() const {
  std::ifstream in(log_path_);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool ServeProcess::wait_for_log(const std::string& text, double seconds) const {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (log().find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

}  // namespace tapml::remote::testing
