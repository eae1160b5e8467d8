#include "recorder/launch/launch.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "common/own_path.h"
#include "recorder/common/capture_config.h"
#include "recorder/common/progress.h"

extern char** environ;

namespace tapml::recorder {

namespace fs = std::filesystem;

namespace {

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

std::vector<std::string> env_strings(const Environment& env) {
  std::vector<std::string> out;
  for (const auto& [key, value] : env) out.push_back(key + "=" + value);
  return out;
}

bool is_executable_file(const fs::path& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec) && ::access(path.c_str(), X_OK) == 0;
}

std::string find_in_path(const std::string& name, const Environment& env) {
  auto it = env.find("PATH");
  std::string path = it == env.end() ? "/usr/local/bin:/usr/bin:/bin" : it->second;
  std::stringstream dirs(path);
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    fs::path candidate = fs::path(dir.empty() ? "." : dir) / name;
    if (is_executable_file(candidate)) return candidate.string();
  }
  return "";
}

std::string last_line(const std::string& text) {
  std::string trimmed = text;
  while (!trimmed.empty() && (trimmed.back() == '\n' || trimmed.back() == ' ')) trimmed.pop_back();
  auto pos = trimmed.rfind('\n');
  return pos == std::string::npos ? trimmed : trimmed.substr(pos + 1);
}

void prepend_path(Environment& env, const std::string& key, const std::string& dir) {
  auto it = env.find(key);
  env[key] = it == env.end() || it->second.empty() ? dir : dir + ":" + it->second;
}

}  // namespace

Captured run_capture(std::vector<std::string> argv, const Environment& env,
                     const std::string& workdir) {
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0) {
    throw UsageError(std::string("cannot make a pipe: ") + std::strerror(errno));
  }
  std::vector<std::string> env_list = env_strings(env);
  std::vector<char*> args = c_strings(argv);
  std::vector<char*> envp = c_strings(env_list);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out_pipe[1], 1);
    ::dup2(err_pipe[1], 2);
    if (::chdir(workdir.c_str()) == 0) ::execve(args[0], args.data(), envp.data());
    ::_exit(127);
  }
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  Captured result;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_fds = 2;
  while (open_fds > 0) {
    if (::poll(fds, 2, -1) < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
      char buffer[4096];
      ssize_t n = ::read(fds[i].fd, buffer, sizeof(buffer));
      if (n > 0) {
        sinks[i]->append(buffer, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  while (::waitpid(pid, &result.status, 0) < 0 && errno == EINTR) {
  }
  return result;
}

Interposer find_interposer() {
  const fs::path lib = tapml::own_folder().parent_path() / "lib";
  Interposer interposer;
  interposer.library = (lib / "libtapml_interposer.so").string();
  interposer.python_boot = (lib / "tapml_python").string();
  const fs::path sidecar = lib / "tapml_interposer.json";
  if (!fs::exists(interposer.library) || !fs::exists(sidecar)) {
    throw UsageError("interposer not built: " + interposer.library +
                     " is missing (configure with -DTAPML_WITH_TORCH=ON and a TAPML_PYTHON "
                     "that imports torch)");
  }
  try {
    nlohmann::json baked = nlohmann::json::parse(std::ifstream(sidecar));
    interposer.torch_version = baked.at("torch_version").get<std::string>();
    interposer.python = baked.at("python").get<std::string>();
    interposer.torch_lib = baked.at("torch_lib").get<std::string>();
  } catch (const std::exception& e) {
    throw UsageError(sidecar.string() + ": unreadable (" + e.what() + "): rebuild tapml");
  }
  return interposer;
}

Program resolve_program(const RunConfig& config, const Interposer& interposer,
                        const Environment& env) {
  Program program;
  program.argv = config.command;
  for (std::string& word : program.argv) {
    for (size_t pos; (pos = word.find("{python}")) != std::string::npos;) {
      word.replace(pos, 8, interposer.python);
    }
  }
  const std::string& name = program.argv[0];
  std::string resolved;
  if (name.find('/') != std::string::npos) {
    fs::path path =
        fs::path(name).is_absolute() ? fs::path(name) : fs::path(config.command_base) / name;
    if (is_executable_file(path)) resolved = path.lexically_normal().string();
  } else {
    resolved = find_in_path(name, env);
  }
  if (resolved.empty()) {
    throw UsageError("program not found: '" + name + "' (command = " + config.capture.command +
                     ")");
  }
  program.argv[0] = resolved;

  static const std::regex python_name(R"(python[0-9.]*)");
  program.is_python = std::regex_match(fs::path(resolved).filename().string(), python_name);
  if (!program.is_python) {
    program.torch_lib = interposer.torch_lib;
    return program;
  }
  // Finds torch without importing it (recorder/python/tapml_torch_location.py):
  // an import would cost the recording seconds before the program starts.
  Captured probe = run_capture({resolved, "-c",
                                "import sys; sys.path.insert(0, sys.argv[1]); "
                                "import tapml_torch_location; tapml_torch_location.main()",
                                interposer.python_boot},
                               env, config.workdir);
  if (!WIFEXITED(probe.status) || WEXITSTATUS(probe.status) != 0) {
    throw UsageError("torch is not importable by the program's python " + resolved + ": " +
                     last_line(probe.err));
  }
  std::stringstream lines(probe.out);
  std::string torch_dir;
  std::getline(lines, program.torch_version);
  std::getline(lines, torch_dir);
  program.torch_lib = (fs::path(torch_dir) / "lib").string();
  if (program.torch_version != interposer.torch_version) {
    throw UsageError("interposer built against torch " + interposer.torch_version +
                     ", program loads torch " + program.torch_version + " (" + resolved +
                     "): rebuild with that torch (cmake -DTAPML_PYTHON=" + resolved + ")");
  }
  return program;
}

Environment current_environment() {
  Environment env;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string text = *entry;
    auto eq = text.find('=');
    if (eq != std::string::npos) env[text.substr(0, eq)] = text.substr(eq + 1);
  }
  return env;
}

Environment base_environment(const RunConfig& config) {
  Environment env = current_environment();
  // Recording settings of an outer tapml-record must not leak into this one.
  for (const char* key :
       {"TAPML_OUTPUT", "TAPML_CONFIG_JSON", "TAPML_INTERPOSER", "TAPML_TORCH_VERSION"}) {
    env.erase(key);
  }
  for (const std::string& entry : config.env) {
    auto eq = entry.find('=');
    env[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  return env;
}

void add_interposer_environment(Environment& env, const RunConfig& config,
                                const Interposer& interposer, const Program& program) {
  prepend_path(env, "LD_PRELOAD", interposer.library);
  prepend_path(env, "LD_LIBRARY_PATH", program.torch_lib);
  prepend_path(env, "PYTHONPATH", interposer.python_boot);
  env["TAPML_OUTPUT"] = config.output;
  env["TAPML_CONFIG_JSON"] = capture_config_to_json(config.capture);
  env["TAPML_INTERPOSER"] = interposer.library;
  env["TAPML_TORCH_VERSION"] = interposer.torch_version;
  add_offload_environment(env, config.offload, fs::path(interposer.library).parent_path().string(),
                          config.output);
}

pid_t start_program(const Program& program, const std::string& workdir, const Environment& env) {
  // A pipe that closes on a successful exec carries errno of a failed one.
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) {
    throw UsageError(std::string("cannot make a pipe: ") + std::strerror(errno));
  }
  std::vector<std::string> argv_copy = program.argv;
  std::vector<std::string> env_list = env_strings(env);
  std::vector<char*> args = c_strings(argv_copy);
  std::vector<char*> envp = c_strings(env_list);
  pid_t pid = ::fork();
  if (pid < 0) throw UsageError(std::string("cannot fork: ") + std::strerror(errno));
  if (pid == 0) {
    ::close(report[0]);
    int err = 0;
    if (::chdir(workdir.c_str()) != 0) {
      err = errno;
    } else {
      ::execve(args[0], args.data(), envp.data());
      err = errno;
    }
    ssize_t ignored = ::write(report[1], &err, sizeof(err));
    (void)ignored;
    ::_exit(127);
  }
  ::close(report[1]);
  int err = 0;
  ssize_t n;
  while ((n = ::read(report[0], &err, sizeof(err))) < 0 && errno == EINTR) {
  }
  ::close(report[0]);
  if (n == static_cast<ssize_t>(sizeof(err))) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    throw UsageError("cannot start " + program.argv[0] + " in " + workdir + ": " +
                     std::strerror(err));
  }
  return pid;
}

int exit_code_of(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return 1;
}

}  // namespace tapml::recorder
