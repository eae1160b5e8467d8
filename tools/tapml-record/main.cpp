// tapml-record run.cfg [--key value ...]: runs a program with the
// interposer, shows progress, turns the spool into the trace whatever way the
// program ended, and exits with the program's own exit code (2 for bad input
// or a recording that failed, with one line saying why).
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "common/exit_code.h"
#include "recorder/common/progress.h"
#include "recorder/launch/launch.h"
#include "recorder/launch/progress_line.h"
#include "recorder/launch/run_config.h"
#include "recorder/launch/shell_words.h"
#include "store/spool.h"
#include "store/writer.h"

namespace fs = std::filesystem;
using namespace tapml::recorder;

namespace {

volatile sig_atomic_t g_child = 0;

void forward_signal(int sig) {
  if (g_child > 0) ::kill(g_child, sig);
}

void forward_signals() {
  struct sigaction action {};
  action.sa_handler = forward_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) ::sigaction(sig, &action, nullptr);
}

int usage_error(const std::string& message) {
  return tapml::exit_with("tapml-record", tapml::ExitCode::kBadInput, message);
}

// Makes the output's folder, checks it takes files, and removes what an
// earlier run left there (the new run rewrites the trace anyway).
void prepare_output(const std::string& output) {
  const fs::path folder = fs::path(output).parent_path();
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec) throw UsageError("output folder " + folder.string() + " cannot be made: " + ec.message());
  const std::string probe = output + ".probe" + std::to_string(::getpid());
  int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    throw UsageError("output folder not writable: " + folder.string() + " (" +
                     std::strerror(errno) + ")");
  }
  ::close(fd);
  ::unlink(probe.c_str());
  for (const std::string& stale :
       {spool_path(output), tapml::store::values_path(spool_path(output)), progress_path(output),
        error_path(output)}) {
    ::unlink(stale.c_str());
  }
}

std::string first_line_of(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

std::string how_it_ended(int status) {
  if (WIFSIGNALED(status)) {
    return std::string("was killed by signal ") + std::to_string(WTERMSIG(status)) + " (" +
           strsignal(WTERMSIG(status)) + ")";
  }
  return "exited with code " + std::to_string(exit_code_of(status));
}

// Turns the spool into the trace on a thread of its own, started as soon as
// the interposer has closed the spool: that happens in the program's exit
// handlers, and a Python program then still tears itself down (SmolLM2's
// driver for about 1.7 s), so finishing overlaps that.
class Finisher {
 public:
  explicit Finisher(std::string output) : output_(std::move(output)) {}
  ~Finisher() {
    if (thread_.joinable()) thread_.join();
  }
  Finisher(const Finisher&) = delete;
  Finisher& operator=(const Finisher&) = delete;

  void start() {
    if (thread_.joinable() || done_) return;
    started_ = std::chrono::steady_clock::now();
    thread_ = std::thread([this] {
      try {
        report_ = tapml::store::finish_trace(spool_path(output_), output_);
      } catch (const std::exception& e) {
        error_ = e.what();
      }
      seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    });
  }
  bool started() const { return thread_.joinable() || done_; }
  // Starts finishing if it has not started, waits for it; throws what it threw.
  tapml::store::FinishReport wait() {
    start();
    if (thread_.joinable()) thread_.join();
    done_ = true;
    if (!error_.empty()) throw std::runtime_error(error_);
    return report_;
  }
  double seconds() const { return seconds_; }

 private:
  std::string output_;
  std::thread thread_;
  bool done_ = false;
  std::chrono::steady_clock::time_point started_;
  tapml::store::FinishReport report_;
  std::string error_;
  double seconds_ = 0;
};

struct Counts {
  int64_t captured = 0;
  int64_t referenced_bytes = 0;
  int32_t state = -1;
  std::string error;
};

int record(const RunConfig& config, const Program& program, const Environment& env) {
  const auto started = std::chrono::steady_clock::now();
  const pid_t pid = start_program(program, config.workdir, env);
  g_child = pid;
  forward_signals();
  ProgressLine progress(progress_path(config.output), config.quiet);
  int status = 0;
  Counts counts;
  Finisher finisher(config.output);
  for (;;) {
    pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) throw UsageError(std::string("waitpid: ") + strerror(errno));
    progress.tick();
    const ProgressBlock* block = progress.block();
    if (block != nullptr && block->state.load() == static_cast<int32_t>(RecordState::kClosed)) {
      finisher.start();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  g_child = 0;
  progress.done();
  if (const ProgressBlock* block = progress.block()) {
    counts.captured = block->calls_stored.load();
    counts.referenced_bytes = block->referenced_bytes.load();
    counts.state = block->state.load();
    counts.error = block->error;
  }
  const double program_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const int exit_code = exit_code_of(status);
  const std::string output = config.output;

  if (fs::exists(error_path(output))) {
    std::string line = first_line_of(error_path(output));
    ::unlink(error_path(output).c_str());
    if (!fs::exists(spool_path(output))) return usage_error(line);
    std::fprintf(stderr, "tapml-record: %s\n", line.c_str());
  }
  if (!finisher.started() && !fs::exists(spool_path(output))) {
    return usage_error("no spool appeared: the interposer was not loaded into " + program.argv[0] +
                       " or it ran no torch operator (the program " + how_it_ended(status) + ")");
  }
  const auto program_ended = std::chrono::steady_clock::now();
  tapml::store::FinishReport report;
  try {
    report = finisher.wait();
  } catch (const std::exception& e) {
    return tapml::exit_with("tapml-record", tapml::ExitCode::kTapmlFailed,
                            "cannot finish " + output + ": " + e.what() + "; the spool " +
                                spool_path(output) + " is kept: `tapml-trace recover " +
                                spool_path(output) + "` can finish it");
  }
  ::unlink(progress_path(output).c_str());
  const double after_program_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - program_ended).count();
  std::error_code ec;
  const auto trace_bytes = static_cast<int64_t>(fs::file_size(output, ec));
  const bool stopped_early = counts.state == static_cast<int32_t>(RecordState::kStopped);
  if (!report.complete && !stopped_early) {
    std::fprintf(stderr,
                 "tapml-record: the program %s before closing its trace: recovered the %lld "
                 "calls it completed (%s)\n",
                 how_it_ended(status).c_str(), static_cast<long long>(report.calls),
                 report.stopped_because.c_str());
  }
  const double ratio = trace_bytes > 0 ? static_cast<double>(counts.referenced_bytes) /
                                             static_cast<double>(trace_bytes)
                                       : 0.0;
  std::fprintf(stderr,
               "tapml-record: %s: %lld calls (%lld captured), %lld tensors, %s (%s of tensor "
               "references, %.0fx smaller), program %.1f s, finish %.1f s (%.1f s after the "
               "program ended)\n",
               output.c_str(), static_cast<long long>(report.calls),
               static_cast<long long>(counts.captured), static_cast<long long>(report.tensors),
               megabytes(trace_bytes).c_str(), megabytes(counts.referenced_bytes).c_str(), ratio,
               program_seconds, finisher.seconds(), after_program_seconds);
  if (stopped_early) {
    return usage_error("recording stopped early: " + counts.error +
                       "; the trace keeps the calls written before");
  }
  return exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  RunConfig config;
  try {
    if (!parse_run_config(argc, argv, config)) return 0;
    const Interposer interposer = find_interposer();
    Environment env = base_environment(config);
    std::error_code ec;
    if (!fs::is_directory(config.workdir, ec)) {
      throw UsageError("workdir not found: " + config.workdir);
    }
    const Program program = resolve_program(config, interposer, env);
    prepare_output(config.output);
    config.capture.command = join_shell_words(program.argv);
    add_interposer_environment(env, config, interposer, program);
    return record(config, program, env);
  } catch (const UsageError& e) {
    return usage_error(e.what());
  } catch (const std::invalid_argument& e) {  // a capture key's value
    return usage_error(e.what());
  } catch (const fs::filesystem_error& e) {  // an output or workdir path
    return usage_error(e.what());
  } catch (const std::exception& e) {
    return tapml::exit_tapml_failed("tapml-record", e);
  }
}
