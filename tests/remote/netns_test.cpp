// Server and client as two hosts: two network namespaces joined by a veth
// pair, addresses only inside them, tapml-serve listening on the server
// side's address and the sample client connecting from the other side. It
// needs root (CI runs as root); without it, or without `ip netns`, it skips.
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "tests/remote/child_process.h"
#include "tests/remote/serve_process.h"

namespace tapml::remote {
namespace {

using testing::ChildResult;
using testing::kTestToken;
using testing::run_child;
using testing::ServeProcess;

constexpr const char* kServerAddress = "10.231.77.1";
constexpr const char* kClientAddress = "10.231.77.2";

// Two namespaces and the veth pair between them, removed at the end (a
// namespace takes its end of the pair with it).
class TwoHosts {
 public:
  TwoHosts() {
    const std::string tag = std::to_string(::getpid());
    server_ = "tapml-srv-" + tag;
    client_ = "tapml-cli-" + tag;
    const std::string server_link = "tsv" + tag;  // interface names: at most 15 characters
    const std::string client_link = "tcl" + tag;
    for (const std::vector<std::string>& command : std::vector<std::vector<std::string>>{
             {"ip", "netns", "add", server_},
             {"ip", "netns", "add", client_},
             {"ip", "link", "add", server_link, "type", "veth", "peer", "name", client_link},
             {"ip", "link", "set", server_link, "netns", server_},
             {"ip", "link", "set", client_link, "netns", client_},
             {"ip", "-n", server_, "addr", "add", std::string(kServerAddress) + "/24", "dev",
              server_link},
             {"ip", "-n", client_, "addr", "add", std::string(kClientAddress) + "/24", "dev",
              client_link},
             {"ip", "-n", server_, "link", "set", server_link, "up"},
             {"ip", "-n", client_, "link", "set", client_link, "up"},
             {"ip", "-n", server_, "link", "set", "lo", "up"},
             {"ip", "-n", client_, "link", "set", "lo", "up"}}) {
      ChildResult result = run_child(command);
      if (result.exit_code != 0) {
        failure_ = command_text(command) + ": " + result.output;
        return;
      }
    }
  }
  ~TwoHosts() {
    run_child({"ip", "netns", "del", server_});
    run_child({"ip", "netns", "del", client_});
  }

  // Empty when both hosts are up; otherwise the command that failed.
  const std::string& failure() const { return failure_; }
  std::vector<std::string> in_server() const { return {"ip", "netns", "exec", server_}; }
  std::vector<std::string> in_client() const { return {"ip", "netns", "exec", client_}; }

 private:
  static std::string command_text(const std::vector<std::string>& command) {
    std::string text;
    for (const std::string& word : command) text += (text.empty() ? "" : " ") + word;
    return text;
  }
  std::string server_, client_, failure_;
};

TEST(TwoHosts, ClientInOneNamespaceUsesServerInAnother) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to create network namespaces (ip netns)";
  TwoHosts hosts;
  if (!hosts.failure().empty()) {
    GTEST_SKIP() << "cannot create two network namespaces here: " << hosts.failure();
  }
  ServeProcess server("cpu", {}, {}, hosts.in_server(), std::string(kServerAddress) + ":0");
  ASSERT_EQ(server.host_port().rfind(kServerAddress, 0), 0u) << server.host_port();
  const std::string token = std::string("TAPML_TOKEN=") + kTestToken;

  std::vector<std::string> client = hosts.in_client();
  client.push_back(TAPML_SAMPLE_CLIENT_BINARY);
  client.push_back(server.host_port());
  ChildResult remote = run_child(client, {token});
  EXPECT_EQ(remote.exit_code, 0) << remote.output << server.log();
  EXPECT_NE(remote.output.find("equal to local"), std::string::npos) << remote.output;
  EXPECT_NE(remote.output.find("tapml-serve at " + std::string(kServerAddress)), std::string::npos)
      << remote.output;

  // The server's address exists only inside the namespaces: from the client
  // side the server's loopback is another host's, so nothing answers there.
  const std::string port = server.host_port().substr(server.host_port().rfind(':') + 1);
  client.back() = "127.0.0.1:" + port;
  ChildResult loopback = run_child(client, {token});  // waits the 5 s connect timeout
  EXPECT_EQ(loopback.exit_code, 2) << loopback.output;
  EXPECT_NE(loopback.output.find("cannot reach"), std::string::npos) << loopback.output;
  EXPECT_TRUE(server.wait_for_log("closed (bye)", 5)) << server.log();
}

}  // namespace
}  // namespace tapml::remote
