// tapml-record end to end: exit codes passed on, programs that crash or are
// killed halfway, and every error that must be one line with exit code 2.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "recorder/launch/launch.h"
#include "store/reader.h"

namespace fs = std::filesystem;
using tapml::recorder::Captured;
using tapml::recorder::current_environment;
using tapml::recorder::run_capture;

namespace {

const std::string kPython = TAPML_TEST_PYTHON;
const std::string kPrograms = TAPML_TEST_PROGRAMS;

struct Result {
  int exit_code = -1;
  std::string err;
  std::string out;
};

class RecordRun : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::path(TAPML_TEST_SCRATCH) / info->name();
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  Result record(std::vector<std::string> args) const {
    args.insert(args.begin(), TAPML_RECORD_BIN);
    args.push_back("-q");
    Captured run = run_capture(args, current_environment(), dir_.string());
    Result result;
    result.exit_code = WIFEXITED(run.status) ? WEXITSTATUS(run.status) : -1;
    result.err = run.err;
    result.out = run.out;
    return result;
  }

  static size_t count_calls(const std::string& trace, const std::string& full_name) {
    auto reader = tapml::store::TraceReader::open(trace);
    size_t n = 0;
    for (size_t i = 0; i < reader->num_calls(); ++i) n += reader->call(i).full_name() == full_name;
    return n;
  }

  // A usage error: exit code 2 and exactly one line on stderr.
  static void expect_one_line_error(const Result& result, const std::string& says) {
    EXPECT_EQ(result.exit_code, 2) << result.err;
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
    EXPECT_NE(result.err.find("tapml-record: "), std::string::npos) << result.err;
    EXPECT_NE(result.err.find(says), std::string::npos) << result.err;
  }

  void write_script(const std::string& name, const std::string& text) const {
    std::ofstream(path(name)) << text;
    fs::permissions(path(name), fs::perms::owner_all);
  }

  fs::path dir_;
};

TEST_F(RecordRun, PassesTheProgramsExitCodeOnAndKeepsItsCalls) {
  Result result = record({"--command",
                          "{python} -c \"import sys, torch; torch.ones(3).add(1); "
                          "sys.exit(7)\"",
                          "--output", path("exit7.h5")});
  EXPECT_EQ(result.exit_code, 7) << result.err;
  EXPECT_EQ(count_calls(path("exit7.h5"), "aten::add.Tensor"), 1u);
  EXPECT_FALSE(fs::exists(path("exit7.h5.spool")));
  EXPECT_FALSE(fs::exists(path("exit7.h5.progress")));
}

TEST_F(RecordRun, AProgramThatAbortsHalfwayLeavesEveryCompletedCall) {
  Result result = record({"--command", "{python} " + kPrograms + "/stops_halfway.py abort 37",
                          "--output", path("abort.h5")});
  EXPECT_EQ(result.exit_code, 128 + SIGABRT) << result.err;
  EXPECT_NE(result.err.find("recovered"), std::string::npos) << result.err;
  EXPECT_EQ(count_calls(path("abort.h5"), "aten::add.Tensor"), 37u);
  // Its last call, whose 64 MiB result was still being written at the abort.
  EXPECT_EQ(count_calls(path("abort.h5"), "aten::mul.Tensor"), 1u);
  EXPECT_TRUE(tapml::store::TraceReader::open(path("abort.h5"))->verify().empty());
}

TEST_F(RecordRun, AProgramKilledHalfwayLeavesEveryCompletedCall) {
  const std::string marker = path("pid");
  auto recording = std::async(std::launch::async, [&] {
    return record({"--command", "{python} " + kPrograms + "/stops_halfway.py wait 23 " + marker,
                   "--output", path("killed.h5")});
  });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!fs::exists(marker) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(fs::exists(marker));
  pid_t pid = 0;
  std::ifstream(marker) >> pid;
  ASSERT_GT(pid, 0);
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  Result result = recording.get();
  EXPECT_EQ(result.exit_code, 128 + SIGKILL) << result.err;
  EXPECT_EQ(count_calls(path("killed.h5"), "aten::add.Tensor"), 23u);
}

// A SIGKILL cannot wait for values still queued; with values written before
// each op returns, the call just before the kill is kept all the same.
TEST_F(RecordRun, WithValuesWrittenInPlaceASigkillLosesNoCompletedCall) {
  Result result = record({"--command", "{python} " + kPrograms + "/stops_halfway.py kill9 5",
                          "--output", path("kill9.h5"), "--values-in-background", "false"});
  EXPECT_EQ(result.exit_code, 128 + SIGKILL) << result.err;
  EXPECT_EQ(count_calls(path("kill9.h5"), "aten::add.Tensor"), 5u);
  // 5 small ones, then the 64 MiB one just before the kill.
  EXPECT_EQ(count_calls(path("kill9.h5"), "aten::fill_.Scalar"), 6u);
  EXPECT_TRUE(tapml::store::TraceReader::open(path("kill9.h5"))->verify().empty());
}

TEST_F(RecordRun, AFullDiskStopsRecordingAndKeepsWhatWasWritten) {
  // A 16 MiB file-size limit stands in for a full disk: the spool holds the
  // first few 4 MiB tensors, then cannot grow.
  Result result = record(
      {"--command",
       "sh -c 'ulimit -f 16384; exec \"$0\" \"$@\"' {python} " + kPrograms + "/big_values.py",
       "--output", path("full.h5")});
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_NE(result.err.find("recording stopped early"), std::string::npos) << result.err;
  EXPECT_NE(result.out.find("big_values done"), std::string::npos) << "the program ran on";
  auto reader = tapml::store::TraceReader::open(path("full.h5"));
  size_t captured = 0;
  for (size_t i = 0; i < reader->num_calls(); ++i) captured += reader->call(i).captured();
  EXPECT_GE(captured, 2u);
  EXPECT_TRUE(reader->verify().empty());
}

TEST_F(RecordRun, ProgramNotFound) {
  expect_one_line_error(record({"--command", "no-such-program-tapml", "--output", path("x.h5")}),
                        "program not found: 'no-such-program-tapml'");
}

TEST_F(RecordRun, TorchNotImportable) {
  // A real python that cannot see torch (-S: no site-packages).
  write_script("python3", "#!/bin/sh\nexec /usr/bin/python3 -S \"$@\"\n");
  expect_one_line_error(
      record({"--command", path("python3") + " -c pass", "--output", path("x.h5")}),
      "torch is not importable by the program's python");
}

TEST_F(RecordRun, TorchVersionMismatchFoundBeforeTheRun) {
  write_script("python", "#!/bin/sh\nprintf '1.0.0\\n/nowhere/torch\\n'\n");
  expect_one_line_error(
      record({"--command", path("python") + " driver.py", "--output", path("x.h5")}),
      "program loads torch 1.0.0");
}

TEST_F(RecordRun, TorchVersionMismatchFoundInTheProgram) {
  // Not a python command, so only the Python boot inside the program can tell.
  Result result = record({"--command",
                          "sh -c 'TAPML_TORCH_VERSION=0.0.1 exec \"$0\" -c \"import torch\"' "
                          "{python}",
                          "--output", path("x.h5")});
  expect_one_line_error(result, "interposer built against torch 0.0.1, program loads torch");
  EXPECT_NE(result.err.find("rebuild with that torch"), std::string::npos);
}

TEST_F(RecordRun, OutputFolderNotWritable) {
  expect_one_line_error(record({"--command", "{python} -c pass", "--output", "/proc/1/x.h5"}),
                        "output folder not writable");
}

TEST_F(RecordRun, InterposerNotLoaded) {
  expect_one_line_error(record({"--command", "/bin/true", "--output", path("x.h5")}),
                        "no spool appeared");
}

TEST_F(RecordRun, BadConfigKeyAndValue) {
  std::ofstream(path("key.cfg")) << "command = \"/bin/true\"\noutput = \"x.h5\"\ncolour = 3\n";
  expect_one_line_error(record({path("key.cfg")}), "unknown key 'colour'");
  std::ofstream(path("value.cfg")) << "command = \"/bin/true\"\noutput = \"x.h5\"\n"
                                      "max_calls_per_signature = many\n";
  expect_one_line_error(record({path("value.cfg")}), "max_calls_per_signature");
}

}  // namespace
