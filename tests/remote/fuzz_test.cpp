// Hostile and broken traffic against a real tapml-serve: random frames,
// truncated and malformed headers, requests without a session or with
// someone else's, out-of-bounds buffers and views, oversized frames and raw
// TCP garbage. Every message that arrives whole gets an error reply, and
// afterwards the server still serves a good client correctly.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "backends/backend.h"
#include "remote/client/remote_backend.h"
#include "remote/protocol/content_hash.h"
#include "tests/remote/serve_process.h"

namespace tapml::remote {
namespace {

using nlohmann::json;
using testing::kTestToken;
using testing::ServeProcess;

constexpr size_t kMaxMessage = 1 << 16;

// A bare DEALER socket that sends whatever it is given.
class RawClient {
 public:
  explicit RawClient(const std::string& host_port) : socket_(context_, zmq::socket_type::dealer) {
    socket_.set(zmq::sockopt::linger, 0);
    socket_.connect("tcp://" + host_port);
  }

  // Sends `frames` and returns the reply's header, or nullopt after `ms`.
  std::optional<json> ask(std::vector<zmq::message_t> frames, int ms = 3000) {
    zmq::send_multipart(socket_, frames);
    std::vector<zmq::pollitem_t> items = {{socket_.handle(), 0, ZMQ_POLLIN, 0}};
    if (zmq::poll(items, std::chrono::milliseconds(ms)) == 0) return std::nullopt;
    std::vector<zmq::message_t> reply;
    if (!zmq::recv_multipart(socket_, std::back_inserter(reply))) return std::nullopt;
    return json::parse(reply.at(0).to_string_view());
  }
  std::optional<json> ask(const json& header, std::vector<zmq::message_t> payload = {}) {
    std::vector<zmq::message_t> frames;
    frames.emplace_back(header.dump());
    for (auto& frame : payload) frames.push_back(std::move(frame));
    return ask(std::move(frames));
  }

 private:
  zmq::context_t context_;
  zmq::socket_t socket_;
};

json request(const std::string& type, json fields = json::object()) {
  fields["v"] = 1;
  fields["seq"] = 7;
  fields["type"] = type;
  return fields;
}

// An error reply naming `expected`, with the request's sequence number when it had one.
void expect_error(const std::optional<json>& reply, const std::string& expected = "") {
  ASSERT_TRUE(reply.has_value()) << "no reply";
  EXPECT_EQ((*reply)["status"], "error") << reply->dump();
  EXPECT_NE((*reply).value("message", "").find(expected), std::string::npos) << reply->dump();
}

class Fuzz : public ::testing::Test {
 protected:
  Fuzz()
      : server_("cpu", {"--max-message-bytes", std::to_string(kMaxMessage), "--max-tensor-bytes",
                        "16384"}) {}

  // Runs a real call through the remote backend; the proof the server is fine.
  void expect_good_client_served() {
    ASSERT_TRUE(server_.running()) << server_.log();
    RemoteOptions options;
    options.host_port = server_.host_port();
    options.target = "cpu";
    options.token = kTestToken;
    std::unique_ptr<backends::Backend> remote = connect_remote(options);
    std::unique_ptr<backends::Device> device = remote->open(0);
    backends::Tensor a{device->alloc(16), DType::Float32, {4}, {1}, 0};
    backends::Tensor out{device->alloc(16), DType::Float32, {4}, {1}, 0};
    const float values[4] = {1, 2, 3, 4};
    device->upload(*a.buffer, values, sizeof values);
    backends::KernelCall call{
        "aten::add.Tensor", {{"self", a}, {"other", a}, {"alpha", 1.0}}, {out}, ""};
    const backends::Kernel* kernel = remote->kernels().select(call, nullptr);
    ASSERT_NE(kernel, nullptr);
    kernel->run(*device, call);
    float result[4];
    device->download(*out.buffer, result, sizeof result);
    EXPECT_EQ(result[3], 8.0f);
  }

  // A session opened by hand; its id.
  std::string open_session(RawClient& client) {
    std::optional<json> hello =
        client.ask(request("hello", {{"token", kTestToken}, {"target", "cpu"}}));
    EXPECT_TRUE(hello && (*hello)["status"] == "ok");
    return hello ? hello->value("session", "") : "";
  }

  ServeProcess server_;
};

TEST_F(Fuzz, RandomFramesGetErrorReplies) {
  RawClient client(server_.host_port());
  std::mt19937 random(1234);
  for (int i = 0; i < 200; ++i) {
    std::vector<zmq::message_t> frames;
    const int count = 1 + static_cast<int>(random() % 3);
    for (int f = 0; f < count; ++f) {
      std::string bytes(random() % 2048, '\0');
      for (char& c : bytes) c = static_cast<char>(random());
      frames.emplace_back(bytes);
    }
    expect_error(client.ask(std::move(frames)));
  }
  expect_good_client_served();
}

TEST_F(Fuzz, TruncatedAndMalformedHeadersGetErrorReplies) {
  RawClient client(server_.host_port());
  const std::string whole = request("hello", {{"token", kTestToken}, {"target", "cpu"}}).dump();
  for (size_t length = 0; length < whole.size(); length += 3) {
    std::vector<zmq::message_t> frames;
    frames.emplace_back(whole.substr(0, length));
    expect_error(client.ask(std::move(frames)));
  }
  expect_error(client.ask(json::array({1, 2, 3})), "not a JSON object");
  expect_error(client.ask(json{{"type", "hello"}}), "protocol version");
  expect_error(client.ask(json{{"v", 2}, {"type", "hello"}}), "protocol version");
  expect_error(client.ask(request("hello", {{"token", 42}, {"target", "cpu"}})), "token");
  expect_error(client.ask(json{{"v", 1}, {"type", 7}}), "type");
  std::vector<zmq::message_t> empty;
  empty.emplace_back();
  expect_error(client.ask(std::move(empty)));
  expect_good_client_served();
}

TEST_F(Fuzz, UnauthenticatedRequestsAreRefused) {
  RawClient client(server_.host_port());
  expect_error(client.ask(request("hello", {{"token", "guess"}, {"target", "cpu"}})),
               "token refused");
  expect_error(client.ask(request("hello", {{"target", "cpu"}})), "token");
  expect_error(client.ask(request("alloc", {{"bytes", 16}})), "session");
  expect_error(client.ask(request("alloc", {{"bytes", 16}, {"session", std::string(32, 'a')}})),
               "unknown or expired session");
  expect_error(client.ask(request("download", {{"session", 1}, {"buffer", 1}})), "session");
  expect_good_client_served();
}

TEST_F(Fuzz, HostileRequestsInASessionAreErrorsAndTheSessionGoesOn) {
  RawClient client(server_.host_port());
  const std::string session = open_session(client);
  auto in_session = [&](const std::string& type, json fields) {
    fields["session"] = session;
    return request(type, std::move(fields));
  };
  expect_error(client.ask(in_session("alloc", {{"bytes", 1 << 20}})), "tensor limit");
  expect_error(client.ask(in_session("alloc", {{"bytes", -5}})), "bytes");
  std::optional<json> alloc = client.ask(in_session("alloc", {{"bytes", 64}}));
  ASSERT_TRUE(alloc && (*alloc)["status"] == "ok");
  const uint64_t buffer = (*alloc)["buffer"];
  std::vector<zmq::message_t> data;
  data.emplace_back(std::string(64, 'x'));
  const std::string hash = content_hash(std::string(64, 'x').data(), 64);
  auto upload = [&](json fields, size_t payload_bytes) {
    std::vector<zmq::message_t> payload;
    payload.emplace_back(std::string(payload_bytes, 'x'));
    return client.ask(in_session("upload", std::move(fields)), std::move(payload));
  };
  expect_error(upload({{"buffer", 999}, {"offset", 0}, {"bytes", 64}, {"hash", hash}}, 64),
               "no buffer 999");
  expect_error(upload({{"buffer", buffer}, {"offset", 32}, {"bytes", 64}, {"hash", hash}}, 64),
               "outside a buffer");
  expect_error(upload({{"buffer", buffer}, {"offset", 0}, {"bytes", 64}, {"hash", hash}}, 60),
               "payload size");
  expect_error(upload({{"buffer", buffer}, {"offset", 0}, {"bytes", 64}, {"hash", "00"}}, 64),
               "hash mismatch");
  expect_error(client.ask(in_session(
                   "download", {{"buffer", buffer}, {"offset", 0}, {"bytes", uint64_t{1} << 62}})),
               "tensor limit");
  expect_error(
      client.ask(in_session("download", {{"buffer", buffer}, {"offset", 60}, {"bytes", 8}})),
      "outside a buffer");
  auto tensor = [&](json sizes, json strides, int64_t offset, const char* dtype = "float32") {
    return json{{"t", "tensor"},
                {"v",
                 {{"dtype", dtype},
                  {"sizes", sizes},
                  {"strides", strides},
                  {"offset", offset},
                  {"buf", buffer}}}};
  };
  auto run = [&](json self) {
    json call = {{"op", "aten::add.Tensor"},
                 {"inputs", json::array({{{"name", "self"}, {"value", self}},
                                         {{"name", "other"}, {"value", self}}})},
                 {"outputs", json::array({self["v"]})}};
    return client.ask(in_session("run", {{"call", call}}));
  };
  expect_error(run(tensor({17}, {1}, 0)), "buffer has 64");       // 68 bytes of view
  expect_error(run(tensor({4, 4}, {4, 1}, 1)), "buffer has 64");  // offset pushes it out
  expect_error(run(tensor({-4}, {1}, 0)), "non-negative");
  expect_error(run(tensor({4}, {-1}, 3)), "non-negative");
  expect_error(run(tensor({int64_t{1} << 62, 4}, {int64_t{1} << 62, 1}, 0)), "overflow");
  expect_error(run(tensor({4}, {1}, 0, "float99")), "dtype");
  expect_error(run(tensor(json::array({1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}),
                          json::array({1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}), 0)),
               "at most 16");
  expect_error(run(json{{"t", "tensor"}, {"v", "garbage"}}), "tensor");
  expect_error(client.ask(in_session("run", {{"call", 5}})), "call");
  expect_error(client.ask(in_session("ping", {{"free", "all"}})), "free");
  expect_error(client.ask(in_session("teleport", {})), "unknown request type");
  std::vector<zmq::message_t> many;
  for (int i = 0; i < 8; ++i) many.emplace_back(std::string(8, 'y'));
  expect_error(client.ask(in_session("ping", {}), std::move(many)), "payload frames");
  // The session survived all of it.
  std::optional<json> ok =
      upload({{"buffer", buffer}, {"offset", 0}, {"bytes", 64}, {"hash", hash}}, 64);
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ((*ok)["status"], "ok") << ok->dump();
  expect_good_client_served();
}

TEST_F(Fuzz, OversizedFramesDropOnlyTheirConnection) {
  RawClient big(server_.host_port());
  std::vector<zmq::message_t> frames;
  frames.emplace_back(request("ping").dump());
  frames.emplace_back(std::string(kMaxMessage * 4, 'z'));
  EXPECT_FALSE(big.ask(std::move(frames), 1000).has_value());  // ZeroMQ dropped it, no reply
  expect_good_client_served();
}

TEST_F(Fuzz, RawTcpGarbageDoesNotHurt) {
  const std::string host_port = server_.host_port();
  const int port = std::stoi(host_port.substr(host_port.rfind(':') + 1));
  std::mt19937 random(99);
  for (int i = 0; i < 20; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    // Half a ZMTP greeting, or random bytes, then hang up mid-stream.
    std::string bytes =
        i % 2 ? std::string("\xff\0\0\0\0\0\0\0\x01\x7f", 10) : std::string(random() % 4096, '\0');
    for (size_t k = i % 2 ? bytes.size() : 0; k < bytes.size(); ++k)
      bytes[k] = static_cast<char>(random());
    ssize_t written = ::write(fd, bytes.data(), bytes.size());
    (void)written;
    ::close(fd);
  }
  expect_good_client_served();
}

}  // namespace
}  // namespace tapml::remote
