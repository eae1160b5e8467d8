#include "tests/remote/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace tapml::remote::testing {

ChildProcess::ChildProcess(std::vector<std::string> argv, std::vector<std::string> env) {
  static std::atomic<int> counter{0};
  log_path_ = (std::filesystem::temp_directory_path() /
               ("tapml-remote-child-" + std::to_string(::getpid()) + "-" +
                std::to_string(counter++) + ".log"))
                  .string();
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    int log = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (log >= 0) {
      ::dup2(log, STDOUT_FILENO);
      ::dup2(log, STDERR_FILENO);
    }
    for (std::string& assignment : env) ::putenv(assignment.data());
    std::vector<char*> args;
    for (std::string& arg : argv) args.push_back(arg.data());
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    std::_Exit(127);
  }
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    wait();
  }
  std::error_code ignored;
  std::filesystem::remove(log_path_, ignored);
}

int ChildProcess::wait() {
  if (pid_ > 0) {
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  return exit_code_;
}

std::string ChildProcess::output() const {
  std::ifstream in(log_path_);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

ChildResult run_child(std::vector<std::string> argv, std::vector<std::string> env) {
  ChildProcess child(std::move(argv), std::move(env));
  const int code = child.wait();
  return {code, child.output()};
}

}  // namespace tapml::remote::testing
