// tapml-record's parts that need no torch: shell words, the capture config
// handed to the interposer, run.cfg parsing and its precedence rules.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "recorder/launch/run_config.h"
#include "recorder/launch/shell_words.h"
#include "recorder/common/capture_config.h"

namespace fs = std::filesystem;
using namespace tapml::recorder;

namespace {

TEST(ShellWords, SplitsLikeAShell) {
  EXPECT_EQ(split_shell_words(R"(python  "a b" 'c d' e\ f "x\"y")"),
            (std::vector<std::string>{"python", "a b", "c d", "e f", "x\"y"}));
  EXPECT_TRUE(split_shell_words("   ").empty());
  EXPECT_THROW(split_shell_words("python 'open"), std::invalid_argument);
}

TEST(ShellWords, JoinRoundTrips) {
  std::vector<std::string> words = {"python", "a b", "it's", "", "$HOME"};
  EXPECT_EQ(split_shell_words(join_shell_words(words)), words);
}

TEST(CaptureConfig, RoundTripsThroughJson) {
  CaptureConfig config;
  config.output = "/tmp/x.h5";
  config.include = "aten::(add|mul)";
  config.skip_views = false;
  config.max_calls_per_signature = 3;
  config.byte_budget = 1 << 20;
  config.dedupe = false;
  config.compression_level = 7;
  config.values_in_background = false;
  config.verify_capture = true;
  config.model = "m";
  CaptureConfig back = capture_config_from_json(capture_config_to_json(config));
  EXPECT_EQ(back.output, config.output);
  EXPECT_EQ(back.include, config.include);
  EXPECT_FALSE(back.skip_views);
  EXPECT_EQ(back.max_calls_per_signature, 3);
  EXPECT_EQ(back.byte_budget, 1 << 20);
  EXPECT_FALSE(back.dedupe);
  EXPECT_EQ(back.compression_level, 7);
  EXPECT_FALSE(back.values_in_background);
  EXPECT_TRUE(back.verify_capture);
}

TEST(CaptureConfig, RejectsUnknownKeysAndBadValues) {
  EXPECT_THROW(capture_config_from_json(R"({"colour": 1})"), std::invalid_argument);
  EXPECT_THROW(capture_config_from_json(R"({"dedupe": "maybe"})"), std::invalid_argument);
  EXPECT_THROW(capture_config_from_json(R"({"compression_level": 40})"), std::invalid_argument);
  EXPECT_THROW(capture_config_from_json("[1]"), std::invalid_argument);
  EXPECT_EQ(capture_config_from_json(R"({"byte_budget": "2K"})").byte_budget, 2048);
}

TEST(ByteSize, ParsesUnits) {
  EXPECT_EQ(parse_byte_size("1000"), 1000);
  EXPECT_EQ(parse_byte_size("512M"), 512ll << 20);
  EXPECT_EQ(parse_byte_size("2G"), 2ll << 30);
  EXPECT_EQ(parse_byte_size("1.5K"), 1536);
  EXPECT_THROW(parse_byte_size("lots"), std::invalid_argument);
  EXPECT_THROW(parse_byte_size("5Q"), std::invalid_argument);
}

class RunConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("tapml_runcfg_" + std::to_string(::getpid()));
    fs::create_directories(dir_ / "sub");
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write_config(const std::string& text) {
    const fs::path path = dir_ / "sub" / "run.cfg";
    std::ofstream(path) << text;
    return path.string();
  }

  static RunConfig parse(std::vector<std::string> args) {
    args.insert(args.begin(), "tapml-record");
    std::vector<char*> argv;
    argv.reserve(args.size());
    for (std::string& a : args) argv.push_back(a.data());
    RunConfig config;
    EXPECT_TRUE(parse_run_config(static_cast<int>(argv.size()), argv.data(), config));
    return config;
  }

  fs::path dir_;
};

TEST_F(RunConfigTest, ReadsKeysAndSectionsRelativeToTheConfigFolder) {
  std::string cfg = write_config(
      "command = \"{python} driver.py --n 2\"\n"
      "output = \"out/trace.h5\"\n"
      "env = [\"A=1\", \"B=two words\"]\n"
      "model = \"m\"\n"
      "[capture]\n"
      "include = \"aten::add\"\n"
      "skip_views = false\n"
      "max_calls_per_signature = 4\n"
      "byte_budget = \"1M\"\n"
      "dedupe = false\n"
      "compression_level = 5\n");
  RunConfig config = parse({cfg});
  EXPECT_EQ(config.command, (std::vector<std::string>{"{python}", "driver.py", "--n", "2"}));
  EXPECT_EQ(config.output, (dir_ / "sub" / "out" / "trace.h5").string());
  EXPECT_EQ(config.workdir, (dir_ / "sub").string());
  EXPECT_EQ(config.command_base, (dir_ / "sub").string());
  EXPECT_EQ(config.env, (std::vector<std::string>{"A=1", "B=two words"}));
  EXPECT_EQ(config.capture.include, "aten::add");
  EXPECT_FALSE(config.capture.skip_views);
  EXPECT_EQ(config.capture.max_calls_per_signature, 4);
  EXPECT_EQ(config.capture.byte_budget, 1 << 20);
  EXPECT_FALSE(config.capture.dedupe);
  EXPECT_EQ(config.capture.compression_level, 5);
  EXPECT_EQ(config.capture.model, "m");
  EXPECT_NE(config.capture.config_text.find("[capture]"), std::string::npos);
}

TEST_F(RunConfigTest, FlagsOverrideTheConfigAndAreRelativeToTheCurrentFolder) {
  std::string cfg =
      write_config("command = [\"prog\", \"a b\"]\noutput = \"x.h5\"\nmodel = \"m\"\n");
  RunConfig config = parse({cfg, "--model", "other", "--output", "y.h5", "--dedupe", "false"});
  EXPECT_EQ(config.command, (std::vector<std::string>{"prog", "a b"}));
  EXPECT_EQ(config.capture.model, "other");
  EXPECT_EQ(config.output, (fs::current_path() / "y.h5").string());
  EXPECT_FALSE(config.capture.dedupe);
}

TEST_F(RunConfigTest, BadKeysAndValuesAreUsageErrors) {
  RunConfig config;
  auto parse_error = [&](const std::string& text) -> std::string {
    std::string cfg = write_config(text);
    std::vector<std::string> args = {"tapml-record", cfg};
    std::vector<char*> argv;
    argv.reserve(args.size());
    for (std::string& a : args) argv.push_back(a.data());
    try {
      parse_run_config(static_cast<int>(argv.size()), argv.data(), config);
    } catch (const UsageError& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_NE(
      parse_error("command = \"p\"\noutput = \"x.h5\"\ncolour = 1\n").find("unknown key 'colour'"),
      std::string::npos);
  EXPECT_NE(parse_error("command = \"p\"\noutput = \"x.h5\"\nmax_calls_per_signature = lots\n")
                .find("max_calls_per_signature"),
            std::string::npos);
  EXPECT_NE(parse_error("command = \"p\"\noutput = \"x.h5\"\ncompression_level = 30\n")
                .find("compression_level"),
            std::string::npos);
  EXPECT_NE(parse_error("output = \"x.h5\"\n").find("no command"), std::string::npos);
  EXPECT_NE(parse_error("command = \"p\"\n").find("no output"), std::string::npos);
  EXPECT_NE(parse_error("command = \"p 'x\"\noutput = \"x.h5\"\n").find("unterminated"),
            std::string::npos);
  EXPECT_NE(parse_error("command = \"p\"\noutput = \"x.h5\"\nenv = [\"NOEQUALS\"]\n").find("K=V"),
            std::string::npos);
}

}  // namespace
