// The remote backend against a real tapml-serve process over loopback: calls
// give the bytes the local backend gives, the content cache keeps repeated
// blobs off the wire, and every way a session can go wrong (a wrong token,
// no server, a killed server, a silent client, a limit) ends in one clear
// error while the server keeps serving.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <future>
#include <limits>
#include <nlohmann/json.hpp>
#include <thread>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "backends/backend.h"
#include "remote/client/remote_backend.h"
#include "tests/remote/sample_calls.h"
#include "tests/remote/serve_process.h"

namespace tapml::remote {
namespace {

using backends::Device;
using backends::KernelCall;
using backends::Tensor;
using testing::iota;
using testing::kTestToken;
using testing::make_output;
using testing::make_tensor;
using testing::read_back;
using testing::run_sample_calls;
using testing::same_bits;
using testing::ServeProcess;

RemoteOptions options_for(const ServeProcess& server) {
  RemoteOptions options;
  options.host_port = server.host_port();
  options.target = "cpu";
  options.token = kTestToken;
  options.connect_timeout = std::chrono::milliseconds(2000);
  return options;
}

TEST(Remote, CallsGiveTheBytesOfTheLocalBackend) {
  ServeProcess server;
  std::unique_ptr<backends::Backend> remote = connect_remote(options_for(server));
  const auto local = run_sample_calls(*backends::find_backend("cpu"));
  const auto remote_results = run_sample_calls(*remote);
  ASSERT_EQ(local.size(), remote_results.size());
  for (size_t i = 0; i < local.size(); ++i)
    EXPECT_TRUE(same_bits(local[i], remote_results[i])) << i;
  EXPECT_TRUE(std::isinf(remote_results[2][0]));  // -inf crossed the wire as a scalar
}

TEST(Remote, TheServersNumericsReachTheClient) {
  ServeProcess server;
  std::unique_ptr<backends::Backend> remote = connect_remote(options_for(server));
  EXPECT_EQ(remote->numerics(), backends::find_backend("cpu")->numerics());
  EXPECT_NE(remote->numerics(), "");
}

TEST(Remote, UnsupportedCallsGetTheServersReason) {
  ServeProcess server;
  std::unique_ptr<backends::Backend> remote = connect_remote(options_for(server));
  const backends::Backend& local = *backends::find_backend("cpu");
  KernelCall call;
  call.op = "aten::mm";
  Tensor complex_self;
  complex_self.dtype = DType::Complex128;
  complex_self.sizes = {2, 2};
  complex_self.strides = {2, 1};
  call.inputs = {{"self", complex_self}, {"mat2", complex_self}};
  call.outputs = {complex_self};
  std::string local_why, remote_why;
  ASSERT_EQ(local.kernels().select(call, &local_why), nullptr);
  ASSERT_EQ(remote->kernels().select(call, &remote_why), nullptr);
  EXPECT_EQ(remote_why, local_why);
  call.op = "aten::no_such_op";
  EXPECT_EQ(remote->kernels().select(call, &remote_why), nullptr);
  EXPECT_NE(remote_why.find("no kernel"), std::string::npos) << remote_why;
}

TEST(Remote, WrongTokenIsRefusedInOneLine) {
  ServeProcess server;
  RemoteOptions options = options_for(server);
  options.token = "not-the-token";
  try {
    connect_remote(options);
    FAIL() << "connected with a wrong token";
  } catch (const backends::BackendError& error) {
    EXPECT_NE(std::string(error.what()).find("token refused"), std::string::npos) << error.what();
    EXPECT_EQ(std::string(error.what()).find('\n'), std::string::npos);
  }
  EXPECT_TRUE(server.wait_for_log("wrong token", 5));
}

TEST(Remote, WrongTargetIsRefused) {
  ServeProcess server;
  RemoteOptions options = options_for(server);
  options.target = "vulkan";
  EXPECT_THROW(
      {
        try {
          connect_remote(options);
        } catch (const backends::BackendError& error) {
          EXPECT_NE(std::string(error.what()).find("runs target cpu"), std::string::npos);
          throw;
        }
      },
      backends::BackendError);
}

TEST(Remote, UnreachableServerIsOneClearLine) {
  RemoteOptions options;
  options.host_port = "127.0.0.1:1";  // nothing listens on port 1
  options.target = "cpu";
  options.token = kTestToken;
  options.connect_timeout = std::chrono::milliseconds(500);
  auto start = std::chrono::steady_clock::now();
  try {
    connect_remote(options);
    FAIL() << "connected to nothing";
  } catch (const backends::BackendError& error) {
    EXPECT_NE(std::string(error.what()).find("cannot reach tapml-serve at 127.0.0.1:1"),
              std::string::npos)
        << error.what();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  options.host_port = "no-port-here";
  EXPECT_THROW(connect_remote(options), backends::BackendError);
}

// Uploads the same megabyte into `count` buffers and checks each.
RemoteTraffic upload_repeatedly(const RemoteOptions& options, int count) {
  std::unique_ptr<backends::Backend> remote = connect_remote(options);
  std::unique_ptr<Device> device = remote->open(0);
  const std::vector<float> blob = iota(1 << 18, 0.001f);
  for (int i = 0; i < count; ++i) {
    Tensor t = make_tensor(*device, {1 << 18}, {}, blob);
    EXPECT_TRUE(same_bits(read_back(*device, t), blob));
  }
  return *remote_traffic(*remote);
}

TEST(Remote, ContentCacheSendsEachBlobOncePerSession) {
  ServeProcess server;
  RemoteOptions options = options_for(server);
  const RemoteTraffic cached = upload_repeatedly(options, 8);
  EXPECT_EQ(cached.uploads, 8u);
  EXPECT_EQ(cached.uploads_by_hash, 7u);
  EXPECT_LT(cached.sent_bytes, 2u << 20);
  options.content_cache = false;
  const RemoteTraffic uncached = upload_repeatedly(options, 8);
  EXPECT_EQ(uncached.uploads_by_hash, 0u);
  EXPECT_GT(uncached.sent_bytes, 8u << 20);
}

TEST(Remote, BlobTheServerDroppedIsSentAgain) {
  ServeProcess server("cpu", {"--cache-bytes", "1000"});  // too small for any blob
  const RemoteTraffic traffic = upload_repeatedly(options_for(server), 3);
  EXPECT_EQ(traffic.uploads_by_hash, 0u);  // each try by hash missed and resent the bytes
  EXPECT_GT(traffic.sent_bytes, 3u << 20);
}

TEST(Remote, SeveralClientsAreServedAtOnce) {
  ServeProcess server;
  const auto expected = run_sample_calls(*backends::find_backend("cpu"));
  std::vector<std::future<bool>> clients;
  for (int i = 0; i < 4; ++i) {
    clients.push_back(std::async(std::launch::async, [&] {
      std::unique_ptr<backends::Backend> remote = connect_remote(options_for(server));
      bool all_equal = true;
      for (int round = 0; round < 5; ++round) {
        const auto results = run_sample_calls(*remote);
        for (size_t k = 0; k < results.size(); ++k) all_equal &= same_bits(results[k], expected[k]);
      }
      return all_equal;
    }));
  }
  for (auto& client : clients) EXPECT_TRUE(client.get());
  EXPECT_NE(server.log().find("(4 open)"), std::string::npos) << server.log();
}

TEST(Remote, ServerKilledMidRequestIsReportedAtOnce) {
  ServeProcess server;
  std::unique_ptr<backends::Backend> remote = connect_remote(options_for(server));
  std::unique_ptr<Device> device = remote->open(0);
  Tensor a = make_tensor(*device, {4}, {}, iota(4, 1.0f));
  KernelCall call{"aten::add.Tensor",
                  {{"self", a}, {"other", a}, {"alpha", 1.0}},
                  {make_output(*device, {4})},
                  ""};
  const backends::Kernel* kernel = remote->kernels().select(call, nullptr);
  ASSERT_NE(kernel, nullptr);
  server.signal(SIGSTOP);  // the request below waits on a frozen server...
  auto start = std::chrono::steady_clock::now();
  auto pending = std::async(std::launch::async, [&] { kernel->run(*device, call); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  server.stop(SIGKILL);  // ...which then dies
  try {
    pending.get();
    FAIL() << "a call on a killed server succeeded";
  } catch (const backends::DeviceLost& lost) {
    EXPECT_NE(std::string(lost.what()).find("closed the connection while running aten::add.Tensor"),
              std::string::npos)
        << lost.what();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  // Every later request says the server is gone, without waiting again.
  EXPECT_THROW(device->alloc(16), backends::DeviceLost);
}

TEST(Remote, ServerKilledWhileIdleIsReportedAtTheNextCall) {
  ServeProcess server;
  std::unique_ptr<backends::Backend> remote = connect_remote(options_for(server));
  std::unique_ptr<Device> device = remote->open(0);
  server.stop(SIGKILL);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  try {
    device->alloc(16);
    FAIL() << "allocated on a killed server";
  } catch (const backends::DeviceLost& lost) {
    EXPECT_NE(std::string(lost.what()).find("is gone"), std::string::npos) << lost.what();
  }
}

TEST(Remote, LimitsAreErrorsAndTheSessionGoesOn) {
  ServeProcess server("cpu", {"--max-tensor-bytes", "4096"});
  std::unique_ptr<backends::Backend> remote = connect_remote(options_for(server));
  std::unique_ptr<Device> device = remote->open(0);
  try {
    device->alloc(8192);
    FAIL() << "allocated past the limit";
  } catch (const backends::BackendError& error) {
    EXPECT_NE(std::string(error.what()).find("tensor limit"), std::string::npos) << error.what();
  }
  Tensor t = make_tensor(*device, {16}, {}, iota(16, 1.0f));
  EXPECT_TRUE(same_bits(read_back(*device, t), iota(16, 1.0f)));
}

constexpr size_t kAbandonedBytes = (1 << 20) + (32 << 20);

// A client that says hello, allocates two buffers (kAbandonedBytes), starts
// uploading 32 MiB into one and vanishes mid-transfer, without bye.
void abandon_a_session(const std::string& host_port) {
  zmq::context_t context;
  zmq::socket_t socket(context, zmq::socket_type::dealer);
  socket.set(zmq::sockopt::linger, 0);
  socket.connect("tcp://" + host_port);
  auto ask = [&](const nlohmann::json& header) {
    socket.send(zmq::buffer(header.dump()));
    std::vector<zmq::message_t> reply;
    EXPECT_TRUE(zmq::recv_multipart(socket, std::back_inserter(reply)));
    return nlohmann::json::parse(reply.at(0).to_string_view());
  };
  nlohmann::json hello =
      ask({{"v", 1}, {"seq", 1}, {"type", "hello"}, {"token", kTestToken}, {"target", "cpu"}});
  ASSERT_EQ(hello["status"], "ok");
  uint64_t big = 0;
  for (size_t bytes : {size_t{1} << 20, size_t{32} << 20}) {
    nlohmann::json alloc = ask(
        {{"v", 1}, {"seq", 2}, {"type", "alloc"}, {"session", hello["session"]}, {"bytes", bytes}});
    ASSERT_EQ(alloc["status"], "ok");
    big = alloc["buffer"];
  }
  nlohmann::json upload = {
      {"v", 1},        {"seq", 3},    {"type", "upload"},  {"session", hello["session"]},
      {"buffer", big}, {"offset", 0}, {"bytes", 32 << 20}, {"hash", "0"}};
  std::vector<zmq::message_t> frames;
  frames.emplace_back(upload.dump());
  frames.emplace_back(size_t{32} << 20);
  zmq::send_multipart(socket, frames);
  std::this_thread::sleep_for(std::chrono::milliseconds(2));  // part of it is on its way
}  // closing with linger 0 drops the rest and the connection

TEST(Remote, SilentSessionIsFreedWhileHeartbeatingOneLives) {
  ServeProcess server("cpu", {"--idle-timeout", "1"});
  std::unique_ptr<backends::Backend> remote = connect_remote(options_for(server));
  std::unique_ptr<Device> device = remote->open(0);
  abandon_a_session(server.host_port());
  EXPECT_TRUE(server.wait_for_log(
      "closed (idle), freed 2 buffers (" + std::to_string(kAbandonedBytes) + " bytes)", 5))
      << server.log();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // idle past the timeout
  Tensor t = make_tensor(*device, {16}, {}, iota(16, 1.0f));     // the heartbeat kept it
  EXPECT_TRUE(same_bits(read_back(*device, t), iota(16, 1.0f)));
  size_t idle_closes = 0;
  for (size_t at = 0; (at = server.log().find("closed (idle)", at)) != std::string::npos; ++at) {
    ++idle_closes;
  }
  EXPECT_EQ(idle_closes, 1u) << server.log();
}

}  // namespace
}  // namespace tapml::remote
