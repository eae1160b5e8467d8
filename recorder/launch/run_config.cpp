#include "recorder/launch/run_config.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include "common/tool_cli.h"
#include "recorder/launch/shell_words.h"
#include "store/op_pattern.h"

namespace tapml::recorder {

namespace fs = std::filesystem;

namespace {

struct RawOptions {
  std::string config_path;
  std::vector<std::string> command;
  std::string workdir;
  std::vector<std::string> env;
  std::string output;
  std::string byte_budget = "0";
};

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw UsageError(path + ": cannot read the config file");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

fs::path absolute_from(const fs::path& base, const std::string& path) {
  fs::path p(path);
  return (p.is_absolute() ? p : base / p).lexically_normal();
}

// Config values fill the options the command line left unset.
std::set<std::string> apply_config_file(CLI::App& app, const std::string& path,
                                        const std::string& text) {
  std::vector<CLI::ConfigItem> items;
  try {
    std::istringstream in(text);
    items = CLI::ConfigTOML().from_config(in);
  } catch (const CLI::Error& e) {
    throw UsageError(path + ": " + e.what());
  }
  std::set<std::string> from_config;
  for (const CLI::ConfigItem& item : items) {
    if (item.name == "++" || item.name == "--") continue;  // section markers
    CLI::Option* option = app.get_option_no_throw("--" + item.name);
    if (option == nullptr || item.name == "config") {
      throw UsageError(path + ": unknown key '" + item.fullname() +
                       "' (tapml-record --help lists the keys)");
    }
    if (option->count() > 0) continue;  // the command line overrides
    if (from_config.count(item.name)) {
      throw UsageError(path + ": key '" + item.name + "' is set twice");
    }
    try {
      option->add_result(item.inputs);
      option->run_callback();
    } catch (const CLI::Error& e) {
      throw UsageError(path + ": key '" + item.fullname() + "': " + e.what());
    }
    from_config.insert(item.name);
  }
  return from_config;
}

}  // namespace

bool parse_run_config(int argc, char** argv, RunConfig& config) {
  CLI::App app{
      "tapml-record: runs a PyTorch program with TapML's interposer and writes every "
      "operator call with its tensors into an HDF5 trace.\n"
      "Every key of run.cfg is also a flag here, which overrides it."};
  tapml::describe_tool(app, "tapml-record",
                       "tapml-record traces/minilm/run.cfg --output minilm.h5\ntapml-record "
                       "run.cfg --offload-target vulkan --offload-check true");
  app.get_formatter()->column_width(34);
  RawOptions raw;
  CaptureConfig& capture = config.capture;
  app.add_option("config", raw.config_path, "run.cfg: a CLI11 config file (key = value)");
  app.add_option("--command", raw.command,
                 "program and arguments: one string split like a shell does, or an array; "
                 "{python} is the python the interposer was built with")
      ->expected(1, -1);
  app.add_option("--workdir", raw.workdir, "where the program runs (default: run.cfg's folder)");
  app.add_option("--env", raw.env, "extra environment, K=V")->expected(1, -1);
  app.add_option("--output", raw.output, "the trace (.h5); the spool is <output>.spool");
  app.add_option("--include", capture.include,
                 "op pattern (docs/architecture.md): record values of matching ops only");
  app.add_option("--exclude", capture.exclude, "op pattern: never record values of matching ops");
  app.add_option("--skip_views,--skip-views", capture.skip_views,
                 "keep view/metadata ops in the tree without values (default true)");
  app.add_option("--max_calls_per_signature,--max-calls-per-signature",
                 capture.max_calls_per_signature,
                 "values of at most N calls per (op, input dtypes and sizes); 0: all")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--byte_budget,--byte-budget", raw.byte_budget,
                 "stop storing values after this many bytes (e.g. 2G); 0: no limit");
  app.add_option("--dedupe", capture.dedupe,
                 "flag calls whose inputs equal an earlier call's (default true)");
  app.add_option("--compression_level,--compression-level", capture.compression_level,
                 "zstd level of the trace, 1..19 (default 1)")
      ->check(CLI::Range(1, 19));
  app.add_option("--values_in_background,--values-in-background", capture.values_in_background,
                 "write values of 64 KiB and up on a writer thread; a SIGKILL loses those "
                 "still queued (default true; false: written before each op returns)");
  app.add_option("--verify_capture,--verify-capture", capture.verify_capture,
                 "hash again every tensor value the cache reuses and report each that its "
                 "memory no longer holds (default false; docs/recording.md)");
  app.add_option("--model", capture.model, "the model's name, for the trace's metadata");
  app.add_flag("--quiet,-q", config.quiet, "no progress line");
  add_offload_options(app, config.offload);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForVersion& e) {
    app.exit(e);
    return false;
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return false;
  } catch (const CLI::ParseError& e) {
    throw UsageError(std::string(e.what()) + " (tapml-record --help)");
  }

  const fs::path cwd = fs::current_path();
  fs::path config_dir = cwd;
  std::set<std::string> from_config;
  if (!raw.config_path.empty()) {
    config.config_path = absolute_from(cwd, raw.config_path).string();
    config_dir = fs::path(config.config_path).parent_path();
    capture.config_text = read_text(config.config_path);
    from_config = apply_config_file(app, raw.config_path, capture.config_text);
  }
  auto base_of = [&](const char* key) { return from_config.count(key) ? config_dir : cwd; };

  if (raw.command.empty()) throw UsageError("no command: set `command` in run.cfg or --command");
  try {
    config.command = raw.command.size() == 1 ? split_shell_words(raw.command[0]) : raw.command;
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("command: ") + e.what());
  }
  if (config.command.empty()) throw UsageError("command is empty");
  config.command_base = base_of("command").string();
  config.workdir = raw.workdir.empty() ? config_dir.string()
                                       : absolute_from(base_of("workdir"), raw.workdir).string();
  if (raw.output.empty()) throw UsageError("no output: set `output` in run.cfg or --output");
  config.output = absolute_from(base_of("output"), raw.output).string();
  if (!config.offload.token_file.empty()) {  // the program runs elsewhere (workdir)
    config.offload.token_file =
        absolute_from(base_of("offload_token_file"), config.offload.token_file).string();
  }
  if (!config.offload.tolerance.empty()) {
    config.offload.tolerance =
        absolute_from(base_of("offload_tolerance"), config.offload.tolerance).string();
  }
  for (const std::string& entry : raw.env) {
    if (entry.find('=') == std::string::npos || entry.front() == '=') {
      throw UsageError("env: '" + entry + "' is not K=V");
    }
  }
  config.env = raw.env;
  try {
    capture.byte_budget = parse_byte_size(raw.byte_budget);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("byte_budget: ") + e.what());
  }
  for (const auto& [key, pattern] :
       {std::pair{"include", capture.include}, std::pair{"exclude", capture.exclude}}) {
    try {
      store::OpPattern checked(pattern, key);
    } catch (const store::OpPatternError& e) {
      throw UsageError(e.what());
    }
  }
  capture.output = config.output;
  capture.command = join_shell_words(config.command);
  return true;
}

}  // namespace tapml::recorder
