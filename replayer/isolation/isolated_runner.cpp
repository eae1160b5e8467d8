#include "replayer/isolation/isolated_runner.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "backends/backend.h"
#include "backends/target.h"
#include "common/own_path.h"
#include "replayer/call_runner.h"
#include "replayer/isolation/channel.h"
#include "replayer/isolation/result_codec.h"

namespace tapml::replay {
namespace {

constexpr int kChannelFd = 3;

std::string seconds_text(double seconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%g s", seconds);
  return text;
}

std::string signal_text(int signal) {
  const char* abbrev = sigabbrev_np(signal);
  const char* description = strsignal(signal);
  return "signal " + std::to_string(signal) + " (" + (abbrev ? std::string("SIG") + abbrev : "?") +
         (description ? std::string(": ") + description : "") + ")";
}

std::optional<ChannelClock::time_point> deadline_after(double seconds) {
  if (seconds <= 0) return std::nullopt;
  return ChannelClock::now() +
         std::chrono::duration_cast<ChannelClock::duration>(std::chrono::duration<double>(seconds));
}

}  // namespace

bool isolated_by_default(const std::string& target, double call_timeout_s) {
  return target.find("://") == std::string::npos &&
         (call_timeout_s > 0 ||
          backends::names_provider_library(backends::parse_target(target).backend));
}

std::string worker_executable() {
  const std::filesystem::path beside = sibling_executable("tapml-replay-worker");
  if (std::filesystem::exists(beside)) return beside.string();
  return (lib_folder().parent_path() / "bin" / "tapml-replay-worker").string();
}

IsolatedRunner::IsolatedRunner(IsolationOptions options) : options_(std::move(options)) {}

IsolatedRunner::~IsolatedRunner() {
  if (pid_ > 0) reap(false);
}

void IsolatedRunner::plan(std::vector<int64_t> seqs, int repeat) {
  plan_ = std::move(seqs);
  repeat_ = repeat;
  start();
}

void IsolatedRunner::start() {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    throw std::runtime_error(std::string("cannot start a worker: socketpair: ") +
                             std::strerror(errno));
  }
  std::vector<std::string> args = {options_.worker,
                                   "--trace",
                                   options_.trace,
                                   "--target",
                                   options_.target,
                                   "--device",
                                   std::to_string(options_.device),
                                   "--channel-fd",
                                   std::to_string(kChannelFd)};
  if (!options_.tolerance_file.empty()) {
    args.insert(args.end(), {"--tolerance", options_.tolerance_file});
  }
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]), ::close(fds[1]);
    throw std::runtime_error(std::string("cannot start a worker: fork: ") + std::strerror(errno));
  }
  if (pid == 0) {  // only async-signal-safe calls until exec
    if (fds[1] == kChannelFd) {
      ::fcntl(kChannelFd, F_SETFD, 0);
    } else {
      ::dup2(fds[1], kChannelFd);
    }
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  pid_ = pid;
  fd_ = fds[0];

  nlohmann::json hello;
  const ReadOutcome got = receive_message(fd_, hello, deadline_after(options_.start_timeout_s));
  if (got != ReadOutcome::Message || !hello.contains("ready")) {
    std::string why;
    if (got == ReadOutcome::Message && hello.contains("fatal")) {
      why = hello.at("fatal").get<std::string>();
      reap(false);
    } else if (got == ReadOutcome::TimedOut) {
      why = "not ready after " + seconds_text(options_.start_timeout_s) + "; " + reap(true);
    } else {
      why = reap(false);
    }
    throw std::runtime_error("the worker process (" + options_.worker +
                             ") could not start: " + why);
  }
  std::vector<int64_t> left;
  for (int64_t seq : plan_) {
    if (seq > last_seq_) left.push_back(seq);
  }
  send_message(fd_, {{"plan", left}, {"repeat", repeat_}});
}

std::string IsolatedRunner::reap(bool kill_first) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (kill_first) ::kill(pid_, SIGKILL);
  int status = 0;
  pid_t waited;
  do {
    waited = ::waitpid(pid_, &status, 0);
  } while (waited < 0 && errno == EINTR);
  pid_ = -1;
  if (waited < 0) return "the worker is gone";
  if (WIFSIGNALED(status)) return "the worker was killed by " + signal_text(WTERMSIG(status));
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
    return "the worker exited with status 127 (" + options_.worker + " could not be run?)";
  }
  return "the worker exited with status " + std::to_string(WEXITSTATUS(status));
}

std::optional<CallResult> IsolatedRunner::run(const store::Call& call, std::string* skipped_because,
                                              int runs) {
  if (pid_ < 0) {
    start();
    ++restarts_;
  }
  last_seq_ = call.seq;
  nlohmann::json reply;
  ReadOutcome got = ReadOutcome::Closed;
  if (send_message(fd_, {{"run", call.seq}, {"runs", runs}})) {
    got = receive_message(fd_, reply, deadline_after(options_.call_timeout_s * runs));
  }
  if (got != ReadOutcome::Message) {
    CallResult result = result_for(call);
    result.runs = runs;
    if (got == ReadOutcome::TimedOut) {
      result.status = Status::Timeout;
      reap(true);
      result.message = "the call ran past --call-timeout " +
                       seconds_text(options_.call_timeout_s * runs) +
                       "; its worker was killed, the calls after it run in a new one";
    } else {
      result.status = Status::Crash;
      result.message = "the call crashed its worker process: " + reap(false) +
                       "; the calls after it run in a new one";
    }
    return result;
  }
  if (reply.contains("result")) return result_from_json(reply.at("result"));
  if (reply.contains("skipped")) {
    *skipped_because = reply.at("skipped").get<std::string>();
    return std::nullopt;
  }
  if (reply.contains("trace_error")) {
    throw store::TraceError(reply.at("trace_error").get<std::string>());
  }
  if (reply.contains("device_lost")) {
    throw backends::DeviceLost(reply.at("device_lost").get<std::string>());
  }
  throw std::runtime_error("the worker sent an answer that is no result: " + reply.dump());
}

}  // namespace tapml::replay
