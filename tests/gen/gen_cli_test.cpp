// tapml-gen as a user runs it: byte-identical output for the same input, and
// one line plus exit code 2 for each kind of bad input. The input trace is
// the committed MiniLM fixture (a trace like any other), or the trace named
// by TAPML_GEN_TRACE (the real MiniLM recording, when torch is built).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include "tests/gen/process.h"

namespace tapml::gen_test {
namespace {
namespace fs = std::filesystem;

std::string input_trace() {
  const char* trace = std::getenv("TAPML_GEN_TRACE");
  return trace && *trace ? trace : TAPML_GEN_DEFAULT_TRACE;
}

Outcome gen(const std::string& args, const fs::path& scratch) {
  return run(quoted(TAPML_GEN_BINARY) + " " + quoted(input_trace()) + " " + args, scratch);
}

std::string out_args(const fs::path& dir) { return "--model minilm --out " + quoted(dir.string()); }

std::map<std::string, std::string> folder_files(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    files[entry.path().filename().string()] = read_text(entry.path());
  }
  return files;
}

// Bad input: exit 2 and exactly one line on stderr that says `what`.
void expect_bad_input(const Outcome& outcome, const std::string& what) {
  EXPECT_EQ(outcome.exit_code, 2) << outcome.err;
  EXPECT_EQ(std::count(outcome.err.begin(), outcome.err.end(), '\n'), 1) << outcome.err;
  EXPECT_NE(outcome.err.find(what), std::string::npos) << outcome.err;
}

TEST(GenCli, SameTraceGivesByteIdenticalSuites) {
  const fs::path scratch = fresh_folder("scratch");
  const fs::path first = fresh_folder("first"), second = fresh_folder("second");
  ASSERT_EQ(gen(out_args(first / "minilm"), scratch).exit_code, 0);
  ASSERT_EQ(gen(out_args(second / "minilm"), scratch).exit_code, 0);
  const auto a = folder_files(first / "minilm"), b = folder_files(second / "minilm");
  EXPECT_GT(a.size(), 2u);
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [name, text] : a) {
    ASSERT_TRUE(b.count(name)) << name << " is missing from the second run";
    EXPECT_TRUE(text == b.at(name)) << name << " differs between two runs on the same trace";
  }
  // Regenerating in place over its own files is allowed and changes nothing.
  ASSERT_EQ(gen(out_args(first / "minilm"), scratch).exit_code, 0);
  EXPECT_TRUE(folder_files(first / "minilm") == a);
  fs::remove_all(first), fs::remove_all(second), fs::remove_all(scratch);
}

TEST(GenCli, TraceWithoutTheAskedCallsIsBadInput) {
  const fs::path scratch = fresh_folder("scratch");
  expect_bad_input(gen(out_args(scratch / "x") + " --op 'aten::no_such_op.*'", scratch),
                   "no compute calls match --op");
  EXPECT_FALSE(fs::exists(scratch / "x"));
  fs::remove_all(scratch);
}

TEST(GenCli, BudgetTooSmallForAnyCaseIsBadInput) {
  const fs::path scratch = fresh_folder("scratch");
  expect_bad_input(gen(out_args(scratch / "x") + " --budget-mb 0.001", scratch),
                   "raise --budget-mb");
  EXPECT_FALSE(fs::exists(scratch / "x"));
  fs::remove_all(scratch);
}

TEST(GenCli, BudgetLeavesCasesOutAndSaysWhy) {
  const fs::path scratch = fresh_folder("scratch");
  const Outcome outcome = gen(out_args(scratch / "x") + " --budget-mb 1", scratch);
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  EXPECT_NE(outcome.out.find("over the fixture budget"), std::string::npos) << outcome.out;
  EXPECT_LE(fs::file_size(scratch / "x" / "fixture.h5"), size_t{1} << 20);
  fs::remove_all(scratch);
}

TEST(GenCli, HandEditedFileIsKeptUnlessForced) {
  const fs::path scratch = fresh_folder("scratch");
  const fs::path suite = scratch / "minilm";
  ASSERT_EQ(gen(out_args(suite), scratch).exit_code, 0);
  const fs::path edited = suite / "aten_addmm.cpp";
  const std::string original = read_text(edited);
  std::ofstream(edited, std::ios::app) << "// a reviewer's note\n";
  expect_bad_input(gen(out_args(suite), scratch), "aten_addmm.cpp");
  EXPECT_NE(read_text(edited), original) << "the edit was overwritten without --force";

  ASSERT_EQ(gen(out_args(suite) + " --force", scratch).exit_code, 0);
  EXPECT_EQ(read_text(edited), original);
  fs::remove_all(scratch);
}

TEST(GenCli, FileTapmlGenDidNotWriteIsNeverTouched) {
  const fs::path scratch = fresh_folder("scratch");
  const fs::path suite = scratch / "minilm";
  fs::create_directories(suite);
  std::ofstream(suite / "notes.txt") << "mine\n";
  expect_bad_input(gen(out_args(suite), scratch), "notes.txt");
  ASSERT_EQ(gen(out_args(suite) + " --force", scratch).exit_code, 0);
  EXPECT_EQ(read_text(suite / "notes.txt"), "mine\n");
  EXPECT_TRUE(fs::exists(suite / "CMakeLists.txt"));
  fs::remove_all(scratch);
}

TEST(GenCli, MissingOrBrokenTraceIsBadInput) {
  const fs::path scratch = fresh_folder("scratch");
  const fs::path text = scratch / "notes.h5";
  std::ofstream(text) << "not a trace\n";
  const std::string out = out_args(scratch / "x");
  expect_bad_input(run(quoted(TAPML_GEN_BINARY) + " " + quoted(text.string()) + " " + out, scratch),
                   "notes.h5");
  expect_bad_input(
      run(quoted(TAPML_GEN_BINARY) + " " + quoted((scratch / "none.h5").string()) + " " + out,
          scratch),
      "none.h5");
  fs::remove_all(scratch);
}

TEST(GenCli, BadModelNameIsBadInput) {
  const fs::path scratch = fresh_folder("scratch");
  expect_bad_input(gen("--model 'Mini LM' --out " + quoted((scratch / "x").string()), scratch),
                   "--model");
  fs::remove_all(scratch);
}

}  // namespace
}  // namespace tapml::gen_test
