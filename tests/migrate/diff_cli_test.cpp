// `tapml-trace diff` end to end: the subcommand runs tapml-trace-diff, exit
// codes 0/1/2, --json and --html files, and a clear line when the diff
// binary is missing.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "diff_synthetic.h"

namespace fs = std::filesystem;

namespace {

struct CommandRun {
  int rc = -1;
  std::string output;  // stdout and stderr
};

CommandRun run(const std::string& command) {
  CommandRun r;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, pipe)) > 0;) r.output.append(buf, n);
  const int status = pclose(pipe);
  r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

class DiffCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = tapml::migrate::testing::fresh_test_dir("diff_cli_");
    auto program = tapml::migrate::testing::sample_program();
    tapml::migrate::testing::write_trace(file("ref.h5"), program);
    tapml::migrate::testing::write_trace(file("same.h5"), program);
    program[3].values[0] += 1.0f;   // layer 0's gelu
    program[22].values[0] += 1.0f;  // and the last logits
    tapml::migrate::testing::write_trace(file("off.h5"), program);
    tapml::migrate::testing::write_trace(file("alien.h5"), program, "another model");
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string file(const std::string& name) const { return (dir_ / name).string(); }
  std::string diff(const std::string& args) const {
    return std::string(TAPML_TRACE_BIN) + " diff " + args;
  }
  fs::path dir_;
};

TEST_F(DiffCliTest, SameRunsExitZero) {
  const CommandRun r = run(diff(file("ref.h5") + " " + file("same.h5")));
  EXPECT_EQ(r.rc, 0) << r.output;
  EXPECT_NE(r.output.find("verdict: same within tolerance"), std::string::npos) << r.output;
}

TEST_F(DiffCliTest, DivergingRunExitsOneAndWritesReports) {
  const CommandRun r = run(diff(file("ref.h5") + " " + file("off.h5") + " --json " +
                                file("d.json") + " --html " + file("d.html")));
  EXPECT_EQ(r.rc, 1) << r.output;
  EXPECT_NE(r.output.find("first diverging call: ref seq 3 / other seq 3 aten::gelu"),
            std::string::npos)
      << r.output;
  std::ifstream json_file(file("d.json"));
  const auto json = nlohmann::json::parse(json_file);
  EXPECT_EQ(json["first_divergence"]["ref_seq"], 3);
  std::stringstream html;
  html << std::ifstream(file("d.html")).rdbuf();
  EXPECT_NE(html.str().find("<polyline"), std::string::npos);
}

TEST_F(DiffCliTest, BadInputIsOneLineAndExitTwo) {
  for (const std::string& args :
       {file("ref.h5") + " " + file("alien.h5"), file("ref.h5") + " " + file("none.h5"),
        file("ref.h5") + " " + file("same.h5") + " --token-op '('",
        file("ref.h5") + " " + file("same.h5") + " --html /no/such/dir/x.html", file("ref.h5")}) {
    const CommandRun r = run(diff(args));
    EXPECT_EQ(r.rc, 2) << args << "\n" << r.output;
    EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
    EXPECT_EQ(r.output.rfind("tapml-trace", 0), 0u) << r.output;
  }
}

TEST_F(DiffCliTest, MissingDiffBinaryIsAClearError) {
  const fs::path alone = dir_ / "alone";
  fs::create_directories(alone);
  fs::copy_file(TAPML_TRACE_BIN, alone / "tapml-trace");
  const CommandRun r = run((alone / "tapml-trace").string() + " diff a.h5 b.h5");
  EXPECT_EQ(r.rc, 2) << r.output;
  EXPECT_NE(r.output.find("tapml-trace-diff"), std::string::npos) << r.output;
  EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
}

}  // namespace
