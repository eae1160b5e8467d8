// tapml-replay --remote against local tapml-replay on the shared SmolLM2
// recording (fixture smollm2_trace): the JSON reports agree call for call,
// and a server killed mid-run is named with the call in flight, after which
// a rerun against a restarted server gives the local results again.
//
// The recording holds ~100k calls, which take minutes to replay; the tests
// replay a subset of it, kSubsetCalls: the start of the prompt's forward
// pass (embedding, rotary tables, RMSNorm, the first attention and MLP).
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/remote/child_process.h"
#include "tests/remote/serve_process.h"

namespace tapml::remote {
namespace {

using nlohmann::json;
using testing::ChildProcess;
using testing::ChildResult;
using testing::kTestToken;
using testing::run_child;
using testing::ServeProcess;

constexpr const char* kSubsetCalls = "4900:7000";
constexpr size_t kMinCallsRun = 50;  // fewer: the recording changed; move kSubsetCalls
constexpr uint64_t kKillAfterBytes = 32 << 20;

namespace fs = std::filesystem;

json read_json(const fs::path& path) {
  std::ifstream in(path);
  return json::parse(in, nullptr, false);
}

// A report's calls without what may differ between two runs of the same
// kernels (timings).
json comparable_calls(const json& report) {
  json calls = report.value("calls", json::array());
  for (json& call : calls) call.erase("kernel_seconds");
  return calls;
}

class RemoteReplay : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const char* trace = std::getenv("TAPML_SMOLLM2_TRACE");
    ASSERT_NE(trace, nullptr) << "TAPML_SMOLLM2_TRACE is not set (CTest sets it)";
    work_ = fs::temp_directory_path() / ("tapml-remote-replay-" + std::to_string(::getpid()));
    fs::create_directories(work_);
    subset_ = work_ / "smollm2-subset.h5";
    ChildResult made =
        run_child({TAPML_TRACE_BINARY, "subset", trace, subset_.string(), "--calls", kSubsetCalls});
    ASSERT_EQ(made.exit_code, 0) << made.output;
    local_ = replay({"--json", (work_ / "local.json").string()}, "local.json");
    ASSERT_GE(comparable_calls(local_).size(), kMinCallsRun) << local_.dump().substr(0, 500);
    ready_ = true;
  }
  // gtest reports a failed SetUpTestSuite as skipped tests; fail them instead.
  void SetUp() override { ASSERT_TRUE(ready_) << "the suite's set-up failed (see above)"; }
  static void TearDownTestSuite() {
    std::error_code ignored;
    fs::remove_all(work_, ignored);
  }

  // tapml-replay --target cpu on the subset with `extra` flags; its JSON report.
  static json replay(std::vector<std::string> extra, const std::string& report) {
    std::vector<std::string> argv = {TAPML_REPLAY_BINARY, "--target", "cpu", "--no-progress",
                                     subset_.string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    ChildResult result = run_child(argv, {std::string("TAPML_TOKEN=") + kTestToken});
    EXPECT_LE(result.exit_code, 1) << result.output;  // 1: a kernel failed, still comparable
    return read_json(work_ / report);
  }

  static std::vector<std::string> remote_flags(const ServeProcess& server,
                                               const std::string& report) {
    return {"--remote", server.host_port(), "--json", (work_ / report).string()};
  }

  static inline bool ready_ = false;
  static inline fs::path work_, subset_;
  static inline json local_;
};

TEST_F(RemoteReplay, EqualsLocalReplayCallForCall) {
  ServeProcess server;
  const json remote = replay(remote_flags(server, "remote.json"), "remote.json");
  EXPECT_NE(remote["summary"].value("device", "").find("tapml-serve at"), std::string::npos);
  EXPECT_EQ(remote["summary"]["coverage"], local_["summary"]["coverage"]);
  const json local_calls = comparable_calls(local_);
  const json remote_calls = comparable_calls(remote);
  ASSERT_EQ(remote_calls.size(), local_calls.size());
  for (size_t i = 0; i < local_calls.size(); ++i) {
    EXPECT_EQ(remote_calls[i], local_calls[i]) << "call " << local_calls[i].value("seq", -1);
  }
  EXPECT_TRUE(server.wait_for_log("closed (bye)", 5)) << server.log();
}

TEST_F(RemoteReplay, KilledServerNamesTheCallInFlightAndARerunResumes) {
  std::string listen;
  {
    ServeProcess server;
    listen = server.host_port();
    ChildProcess client({TAPML_REPLAY_BINARY, "--target", "cpu", "--no-progress", "--remote",
                         server.host_port(), subset_.string()},
                        {std::string("TAPML_TOKEN=") + kTestToken});
    // Planning sends kilobytes; the calls then upload ~200 MB, which the
    // server's content cache keeps. Once its memory grew by kKillAfterBytes,
    // the replay is inside the calls.
    const uint64_t start = server.resident_bytes();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (server.resident_bytes() < start + kKillAfterBytes &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ASSERT_GE(server.resident_bytes(), start + kKillAfterBytes) << server.log();
    server.stop(SIGKILL);
    const int code = client.wait();
    const std::string output = client.output();
    EXPECT_EQ(code, 3) << output;  // a lost device is TapML's infrastructure, not the kernel
    EXPECT_NE(output.find("tapml-replay: device lost at call "), std::string::npos) << output;
    EXPECT_NE(output.find(", in flight): tapml-serve at " + listen), std::string::npos) << output;
    EXPECT_EQ(output.find('\n'), output.size() - 1) << "not one line: " << output;
  }
  // The server comes back on the same address; a rerun starts a new session.
  ServeProcess restarted("cpu", {}, {}, {}, listen);
  const json rerun = replay(remote_flags(restarted, "rerun.json"), "rerun.json");
  EXPECT_EQ(comparable_calls(rerun), comparable_calls(local_));
}

}  // namespace
}  // namespace tapml::remote
