// The browser hub against hostile and broken peers, with a real WebSocket
// client (websocketpp): a peer that skips the hello, brings a wrong token,
// speaks text, sends a malformed or oversized frame gets an error message
// and a close, and the hub goes on serving; a tab that goes away or talks
// nonsense mid-request fails that request (DeviceLost), never hangs it.
// Real tabs (Chromium) are tests/remote/browser/browser_tab.sh.
#include "remote/browser/tab_hub.h"

#include <gtest/gtest.h>

#include <asio.hpp>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>
#include <websocketpp/client.hpp>
#include <websocketpp/config/asio_no_tls_client.hpp>

#include "backends/backend.h"

namespace tapml::remote::browser {
namespace {

using nlohmann::json;
using WsClient = websocketpp::client<websocketpp::config::asio_client>;
using namespace std::chrono_literals;

const std::string kToken = "hub-test-token";

// A WebSocket peer on its own event-loop thread; what it receives and how
// it was closed are read under a lock.
class Peer {
 public:
  explicit Peer(const std::string& uri) {
    client_.clear_access_channels(websocketpp::log::alevel::all);
    client_.clear_error_channels(websocketpp::log::elevel::all);
    client_.init_asio();
    client_.set_max_message_size(size_t{64} << 20);
    client_.set_open_handler(
        [this](const websocketpp::connection_hdl&) { update([this] { open_ = true; }); });
    client_.set_message_handler(
        [this](const websocketpp::connection_hdl&, const WsClient::message_ptr& m) {
          update([this, m] { messages_.push_back(m->get_payload()); });
        });
    auto closed = [this](const websocketpp::connection_hdl& hdl) {
      auto con = client_.get_con_from_hdl(hdl);
      update([this, con] {
        closed_ = true;
        close_code_ = con->get_remote_close_code();
        close_reason_ = con->get_remote_close_reason();
      });
    };
    client_.set_close_handler(closed);
    client_.set_fail_handler(closed);
    std::error_code ec;
    WsClient::connection_ptr con = client_.get_connection(uri, ec);
    EXPECT_FALSE(ec) << ec.message();
    hdl_ = con->get_handle();
    client_.connect(con);
    thread_ = std::thread([this] { client_.run(); });
    wait([this] { return open_ || closed_; });
  }
  ~Peer() {
    std::error_code ignored;
    client_.close(hdl_, websocketpp::close::status::normal, "", ignored);
    client_.stop();
    thread_.join();
  }
  Peer(const Peer&) = delete;
  Peer& operator=(const Peer&) = delete;

  void send(const std::string& frame, bool text = false) {
    std::error_code ec;
    client_.send(hdl_, frame,
                 text ? websocketpp::frame::opcode::text : websocketpp::frame::opcode::binary, ec);
  }
  void hello(const std::string& token) {
    send(encode_tab_message(
        {{"type", "hello"},
         {"token", token},
         {"agent", "Mozilla/5.0 Chrome/1.2.3 test"},
         {"adapter", "test peer"},
         {"limits", {{"max_binding_bytes", 1024}, {"max_buffer_bytes", 4096}}}}));
  }
  // Waits for the hub to close us; the close code, or -1 when it did not.
  int closed_with() {
    return wait([this] { return closed_; }) ? static_cast<int>(close_code_) : -1;
  }
  std::string reason() {
    std::lock_guard lock(mutex_);
    return close_reason_;
  }
  // The n-th message received (waiting for it), decoded.
  TabMessage message(size_t n) {
    if (!wait([this, n] { return messages_.size() > n; })) return {{{"type", "nothing"}}, {}};
    std::lock_guard lock(mutex_);
    return decode_tab_message(messages_[n]);
  }

 private:
  template <typename F>
  void update(F f) {
    {
      std::lock_guard lock(mutex_);
      f();
    }
    changed_.notify_all();
  }
  template <typename P>
  bool wait(P done) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 10s, done);
  }

  WsClient client_;
  websocketpp::connection_hdl hdl_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable changed_;
  bool open_ = false;
  bool closed_ = false;
  websocketpp::close::status::value close_code_ = 0;
  std::string close_reason_;
  std::vector<std::string> messages_;
};

class TabHubTest : public ::testing::Test {
 protected:
  TabHubTest() : hub_(HubOptions{"127.0.0.1:0", kToken, 1 << 20, 5}) {}
  std::string ws() const {
    return "ws://" + hub_.page_url().substr(7) + "tapml";  // http://H:P/ -> ws://H:P/tapml
  }
  // An HTTP GET of `path`: the status line and the body.
  std::string get(const std::string& path) const {
    const std::string host_port = hub_.page_url().substr(7, hub_.page_url().size() - 8);
    const size_t colon = host_port.rfind(':');
    asio::io_context io;
    asio::ip::tcp::socket socket(io);
    socket.connect({asio::ip::make_address(host_port.substr(0, colon)),
                    static_cast<uint16_t>(std::stoi(host_port.substr(colon + 1)))});
    const std::string request =
        "GET " + path + " HTTP/1.1\r\nHost: " + host_port + "\r\nConnection: close\r\n\r\n";
    asio::write(socket, asio::buffer(request));
    std::string response;
    std::error_code ec;
    char chunk[4096];
    for (size_t n; (n = socket.read_some(asio::buffer(chunk), ec)) > 0 || !ec;) {
      response.append(chunk, n);
    }
    return response;
  }
  TabHub hub_;
};

TEST_F(TabHubTest, ServesThePageAndNothingElse) {
  const std::string page = get("/");
  EXPECT_NE(page.find("200"), std::string::npos) << page.substr(0, 200);
  EXPECT_NE(page.find("tapml_tab.js"), std::string::npos);
  EXPECT_NE(get("/tapml_tab.js").find("navigator.gpu"), std::string::npos);
  EXPECT_NE(get("/etc/passwd").find("404"), std::string::npos);
}

TEST_F(TabHubTest, WithoutATabTheErrorSaysWhereToOpenThePage) {
  try {
    hub_.tab(0.1);
    FAIL() << "a tab without any browser";
  } catch (const backends::BackendError& e) {
    EXPECT_NE(std::string(e.what()).find(hub_.page_url() + "#token=TOKEN"), std::string::npos)
        << e.what();
  }
}

TEST_F(TabHubTest, HostilePeersAreRefusedAndTheHubServesTheNextTab) {
  struct Case {
    const char* what;
    std::function<void(Peer&)> act;
    std::string error;  // in the hub's error message and close reason; empty: no message
    int code;
  };
  const std::vector<Case> cases = {
      {"no hello first",
       [](Peer& p) {
         p.send(encode_tab_message({{"type", "data"}}));
       },
       "first message must be a hello", 1008},
      {"wrong token", [](Peer& p) { p.hello("not-the-token"); }, "wrong token", 1008},
      {"text frame", [](Peer& p) { p.send(R"({"type":"hello"})", true); }, "text message", 1008},
      {"short frame", [](Peer& p) { p.send("ab"); }, "malformed message", 1008},
      {"header past the frame", [](Peer& p) { p.send(std::string("\xff\x00\x00\x00{}", 6)); },
       "exceeds the frame", 1008},
      {"header not JSON", [](Peer& p) { p.send(std::string("\x03\x00\x00\x00{{{", 7)); },
       "not a JSON object", 1008},
      {"oversized before hello", [](Peer& p) { p.send(std::string(size_t{200} * 1024, 'x')); }, "",
       1009},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    Peer peer(ws());
    c.act(peer);
    EXPECT_EQ(peer.closed_with(), c.code);
    if (!c.error.empty()) {
      const TabMessage reply = peer.message(0);
      EXPECT_EQ(reply.header.value("type", ""), "error");
      EXPECT_NE(reply.header.value("message", "").find(c.error), std::string::npos)
          << reply.header.dump();
    }
    EXPECT_THROW(hub_.tab(0.05), backends::BackendError) << "a refused peer became the device";
  }
  Peer good(ws());
  good.hello(kToken);
  EXPECT_EQ(good.message(0).header.value("type", ""), "welcome");
  std::shared_ptr<Tab> tab = hub_.tab(5);
  EXPECT_EQ(tab->number(), 1u);
  EXPECT_EQ(tab->max_view_bytes(), 1024u);
  EXPECT_NE(tab->description().find("test peer (Chrome/1.2.3)"), std::string::npos)
      << tab->description();
}

TEST_F(TabHubTest, ATabThatGoesAwayMidRequestFailsTheRequest) {
  auto peer = std::make_unique<Peer>(ws());
  peer->hello(kToken);
  std::shared_ptr<Tab> tab = hub_.tab(5);
  auto pending = std::async(std::launch::async, [&tab] {
    tab->request({{"type", "finish"}}, "finish");
  });
  EXPECT_EQ(peer->message(1).header.value("type", ""), "finish");  // it arrived; no answer comes
  peer.reset();
  EXPECT_THROW(pending.get(), backends::DeviceLost);
  EXPECT_THROW(tab->send({{"type", "alloc"}}), backends::DeviceLost);
}

TEST_F(TabHubTest, ANewerTabReplacesTheOldOneWhoseRequestsFail) {
  Peer first(ws());
  first.hello(kToken);
  std::shared_ptr<Tab> old_tab = hub_.tab(5);
  Peer second(ws());
  second.hello(kToken);
  EXPECT_EQ(first.closed_with(), 1001);
  EXPECT_EQ(hub_.tab(5)->number(), 2u);
  try {
    old_tab->request({{"type", "finish"}}, "finish");
    FAIL() << "a request to a replaced tab";
  } catch (const backends::DeviceLost& e) {
    EXPECT_NE(std::string(e.what()).find("replaced by tab 2"), std::string::npos) << e.what();
  }
}

TEST_F(TabHubTest, ATabSpeakingNonsenseFailsTheRequestAndIsClosed) {
  Peer peer(ws());
  peer.hello(kToken);
  std::shared_ptr<Tab> tab = hub_.tab(5);
  auto pending = std::async(std::launch::async, [&tab] {
    tab->request({{"type", "finish"}}, "finish");
  });
  EXPECT_EQ(peer.message(1).header.value("type", ""), "finish");
  peer.send("junk");
  EXPECT_EQ(peer.closed_with(), 1008);
  EXPECT_THROW(pending.get(), backends::DeviceLost);
}

TEST_F(TabHubTest, TheTabsErrorReplyIsTheRequestsError) {
  Peer peer(ws());
  peer.hello(kToken);
  std::shared_ptr<Tab> tab = hub_.tab(5);
  auto pending = std::async(std::launch::async, [&tab] {
    tab->request({{"type", "finish"}}, "finish");
  });
  const TabMessage asked = peer.message(1);
  peer.send(encode_tab_message(
      {{"type", "done"}, {"reply", asked.header["req"]}, {"error", "binary/2: invalid pipeline"}}));
  try {
    pending.get();
    FAIL() << "an error reply read as success";
  } catch (const backends::DeviceLost&) {
    FAIL() << "a WebGPU error is the kernel's, not a lost device";
  } catch (const backends::BackendError& e) {
    EXPECT_NE(std::string(e.what()).find("binary/2: invalid pipeline"), std::string::npos);
  }
}

}  // namespace
}  // namespace tapml::remote::browser
