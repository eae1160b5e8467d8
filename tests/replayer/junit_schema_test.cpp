// Every JUnit file the replayer writes is valid against the Ant JUnit schema
// that CI tools read (tests/replayer/JUnit.xsd), as xmllint judges it: a
// clean replay, and one with a call of each status (PASS, FAIL, ERROR,
// UNSUPPORTED, FLAKY). The check itself rejects an invalid file: the
// attributes the writer used to put on <testsuites>, which the schema does
// not allow.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "replayer/replayer.h"
#include "tests/replayer/hand_made_trace.h"

namespace tapml::replay {
namespace {

// xmllint's exit code for `path` against the schema; its messages on failure.
int xmllint(const std::string& path, std::string* messages) {
  const std::string log = path + ".xmllint";
  const std::string command = std::string("'") + TAPML_XMLLINT + "' --noout --schema '" +
                              TAPML_JUNIT_XSD + "' '" + path + "' > '" + log + "' 2>&1";
  const int status = std::system(command.c_str());
  std::stringstream text;
  text << std::ifstream(log).rdbuf();
  *messages = text.str();
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

Report replay_every_status(const std::string& path, const ReplayOptions& options) {
  auto reader = store::TraceReader::open(path);
  const backends::Backend* cpu = backends::find_backend("cpu");
  auto device = cpu->open(0);
  setenv("TAPML_PLANT_BUG", "racy-add", 1);
  Report report = replay(*reader, *cpu, *device, options);
  unsetenv("TAPML_PLANT_BUG");
  return report;
}

class JunitSchema : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(std::string(TAPML_XMLLINT).find("NOTFOUND") == std::string::npos)
        << "xmllint is missing: install libxml2-utils (scripts/setup.sh)";
    path_ = record_every_status(trace_);
  }
  HandMadeTrace trace_;
  std::string path_;
};

TEST_F(JunitSchema, CleanReplayIsValid) {
  ReplayOptions options;
  options.filter.first = 4;  // the passing mul alone
  options.filter.end = 5;
  const Report report = replay_every_status(path_, options);
  ASSERT_EQ(report.summary.passed, 1);
  ASSERT_EQ(report.summary.calls, 1);
  const std::string junit = trace_.file("clean.xml");
  write_junit(junit, report);
  std::string messages;
  EXPECT_EQ(xmllint(junit, &messages), 0) << messages;
}

TEST_F(JunitSchema, EveryStatusIsValid) {
  ReplayOptions options;
  options.repeat = 2;
  const Report report = replay_every_status(path_, options);
  const Summary& s = report.summary;
  ASSERT_EQ(s.passed, 1);
  ASSERT_EQ(s.failed, 1);
  ASSERT_EQ(s.errors, 1);
  ASSERT_EQ(s.unsupported, 1);
  ASSERT_EQ(s.flaky, 1);
  const std::string junit = trace_.file("every.xml");
  write_junit(junit, report);
  std::string messages;
  EXPECT_EQ(xmllint(junit, &messages), 0) << messages;
  std::stringstream text;
  text << std::ifstream(junit).rdbuf();
  for (const char* element : {"<failure type=\"FAIL\"", "<failure type=\"FLAKY\" message=\"flaky: ",
                              "<error type=\"ERROR\"", "<skipped message=\"unsupported: "}) {
    EXPECT_NE(text.str().find(element), std::string::npos) << element;
  }
}

TEST_F(JunitSchema, InvalidFileIsRejected) {
  const Report report = replay_every_status(path_, ReplayOptions{});
  const std::string junit = trace_.file("invalid.xml");
  write_junit(junit, report);
  std::stringstream text;
  text << std::ifstream(junit).rdbuf();
  std::string xml = text.str();
  const std::string root = "<testsuites>";
  ASSERT_NE(xml.find(root), std::string::npos);
  xml.replace(xml.find(root), root.size(), "<testsuites name=\"tapml-replay cpu\" tests=\"5\">");
  std::ofstream(junit) << xml;
  std::string messages;
  EXPECT_NE(xmllint(junit, &messages), 0);
  EXPECT_NE(messages.find("The attribute 'name' is not allowed"), std::string::npos) << messages;
}

}  // namespace
}  // namespace tapml::replay
