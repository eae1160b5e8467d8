#include "remote/browser/tab_hub.h"

#include <chrono>
#include <iostream>
#include <map>
#include <stdexcept>
#include <thread>
#include <websocketpp/config/asio_no_tls.hpp>
#include <websocketpp/server.hpp>

#include "backends/backend.h"
#include "remote/browser/tab_page.h"  // generated: kPage, file name -> text
#include "remote/protocol/endpoint.h"
#include "remote/protocol/token.h"

namespace tapml::remote::browser {
namespace {

using nlohmann::json;
using WsServer = websocketpp::server<websocketpp::config::asio>;
using Connection = websocketpp::connection_hdl;
using Clock = std::chrono::steady_clock;

// Before its hello a connection is nobody: it may send one small message.
constexpr size_t kHelloBytes = size_t{64} * 1024;
// A tab that does not read its messages holds the sender back past this.
constexpr size_t kMostBuffered = size_t{256} << 20;

void log(const std::string& line) { std::cerr << "tapml browser: " << line << std::endl; }

// "Chrome/156.0.8078.114" out of a user agent, or the whole of it.
std::string browser_of(const std::string& agent) {
  for (const char* name : {"Edg/", "Chrome/", "Firefox/", "Safari/"}) {
    const size_t at = agent.find(name);
    if (at != std::string::npos) return agent.substr(at, agent.find(' ', at) - at);
  }
  return agent.empty() ? "an unknown browser" : agent;
}

}  // namespace

// ---- Tab ----

Tab::Tab(TabHub& hub, std::weak_ptr<void> connection, uint64_t number, std::string description,
         size_t max_view_bytes)
    : hub_(hub),
      connection_(std::move(connection)),
      number_(number),
      description_(std::move(description)),
      max_view_bytes_(max_view_bytes) {}

bool Tab::lost() const {
  std::lock_guard lock(mutex_);
  return !lost_.empty();
}

void Tab::send(json header, const void* payload, size_t bytes) {
  const std::lock_guard order(send_mutex_);
  send_in_order(std::move(header), payload, bytes);
}

void Tab::send_kernel(const std::string& key, const std::function<std::string()>& source) {
  const std::lock_guard order(send_mutex_);
  if (!kernels_.insert(key).second) return;
  send_in_order({{"type", "kernel"}, {"key", key}, {"source", source()}});
}

void Tab::send_in_order(json header, const void* payload, size_t bytes) {
  {
    std::lock_guard lock(mutex_);
    if (!lost_.empty()) throw backends::DeviceLost(lost_);
    if (!released_.empty()) header["free"] = std::move(released_);
    released_.clear();
  }
  if (!hub_.send_frame(connection_, encode_tab_message(header, payload, bytes))) {
    lose("browser tab " + std::to_string(number_) + " went away");
    std::lock_guard lock(mutex_);
    throw backends::DeviceLost(lost_);
  }
}

TabMessage Tab::request(json header, const std::string& what) {
  const uint64_t id = ++next_request_;
  header["req"] = id;
  send(std::move(header));
  const auto deadline =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(
                         std::chrono::duration<double>(hub_.options().reply_timeout_s));
  std::unique_lock lock(mutex_);
  for (;;) {
    for (auto it = inbox_.begin(); it != inbox_.end(); ++it) {
      if (it->header.value("reply", uint64_t{0}) != id) continue;
      TabMessage reply = std::move(*it);
      inbox_.erase(it);
      if (const auto error = reply.header.find("error");
          error != reply.header.end() && error->is_string() && !error->get<std::string>().empty()) {
        throw backends::BackendError("webgpu tab: " + what + ": " + error->get<std::string>());
      }
      return reply;
    }
    if (!lost_.empty()) throw backends::DeviceLost(lost_ + " (" + what + ")");
    if (arrived_.wait_until(lock, deadline) == std::cv_status::timeout) {
      lost_ = "browser tab " + std::to_string(number_) + " did not answer in " +
              std::to_string(static_cast<int>(hub_.options().reply_timeout_s)) + " s";
    }
  }
}

void Tab::release(uint64_t id) {
  std::lock_guard lock(mutex_);
  if (lost_.empty()) released_.push_back(id);
}

void Tab::deliver(TabMessage message) {
  {
    std::lock_guard lock(mutex_);
    inbox_.push_back(std::move(message));
  }
  arrived_.notify_all();
}

void Tab::lose(const std::string& why) {
  {
    std::lock_guard lock(mutex_);
    if (lost_.empty()) lost_ = why;
  }
  arrived_.notify_all();
}

// ---- TabHub ----

struct TabHub::Impl {
  WsServer server;
  std::thread thread;
  std::mutex mutex;
  std::condition_variable joined;
  std::map<Connection, std::shared_ptr<Tab>, std::owner_less<Connection>> tabs;
  std::shared_ptr<Tab> newest;
  uint64_t tabs_seen = 0;
  std::string last_refusal;
};

TabHub::TabHub(HubOptions options) : options_(std::move(options)), impl_(std::make_unique<Impl>()) {
  const Endpoint endpoint = parse_endpoint(options_.listen, /*listening=*/true);
  WsServer& server = impl_->server;
  server.clear_access_channels(websocketpp::log::alevel::all);
  server.clear_error_channels(websocketpp::log::elevel::all);
  server.init_asio();
  server.set_reuse_addr(true);
  server.set_max_message_size(kHelloBytes);

  server.set_http_handler([this](const Connection& hdl) {
    WsServer::connection_ptr con = impl_->server.get_con_from_hdl(hdl);
    std::string resource = con->get_resource();
    resource = resource.substr(0, resource.find_first_of("?#"));
    const std::string file = resource == "/" ? "index.html" : resource.substr(1);
    const auto page = kPage.find(file);
    con->append_header("Cache-Control", "no-store");
    if (page == kPage.end()) {
      con->set_status(websocketpp::http::status_code::not_found);
      con->set_body("not found\n");
      return;
    }
    const bool script = file.size() > 3 && file.compare(file.size() - 3, 3, ".js") == 0;
    con->append_header("Content-Type",
                       script ? "text/javascript; charset=utf-8" : "text/html; charset=utf-8");
    con->set_status(websocketpp::http::status_code::ok);
    con->set_body(page->second);
  });
  server.set_validate_handler([this](const Connection& hdl) {
    return impl_->server.get_con_from_hdl(hdl)->get_resource() == "/tapml";
  });

  auto refuse = [this](const Connection& hdl, const std::string& why) {
    std::string peer = "a connection";
    std::error_code ignored;
    if (auto con = impl_->server.get_con_from_hdl(hdl, ignored)) {
      peer += " from " + con->get_remote_endpoint();
    }
    log("refused " + peer + ": " + why);
    {
      std::lock_guard lock(impl_->mutex);
      impl_->last_refusal = why;
    }
    const std::string frame = encode_tab_message({{"type", "error"}, {"message", why}});
    impl_->server.send(hdl, frame, websocketpp::frame::opcode::binary, ignored);
    impl_->server.close(hdl, websocketpp::close::status::policy_violation, why.substr(0, 120),
                        ignored);
  };

  server.set_message_handler(
      [this, refuse](const Connection& hdl, const WsServer::message_ptr& raw) {
        std::shared_ptr<Tab> tab;
        {
          std::lock_guard lock(impl_->mutex);
          if (auto found = impl_->tabs.find(hdl); found != impl_->tabs.end()) tab = found->second;
        }
        TabMessage message;
        try {
          if (raw->get_opcode() != websocketpp::frame::opcode::binary) {
            throw std::runtime_error("a text message (the protocol is binary)");
          }
          message = decode_tab_message(raw->get_payload());
        } catch (const std::exception& error) {
          if (tab) {
            tab->lose("browser tab " + std::to_string(tab->number()) +
                      " sent a malformed message: " + error.what());
          }
          refuse(hdl, std::string("malformed message: ") + error.what());
          return;
        }
        const std::string type = message.header["type"].get<std::string>();
        if (tab) {
          if (type == "console") {
            log("tab " + std::to_string(tab->number()) + " console " +
                message.header.value("level", "log") + ": " + message.header.value("text", ""));
          } else if (type == "lost") {
            tab->lose("browser tab " + std::to_string(tab->number()) +
                      ": WebGPU device lost: " + message.header.value("message", ""));
          } else {
            tab->deliver(std::move(message));
          }
          return;
        }
        // Not a tab yet: the one message allowed is a hello with the token.
        const json& h = message.header;
        if (type != "hello") {
          return refuse(hdl, "the first message must be a hello, not '" + type + "'");
        }
        const auto token = h.find("token");
        if (token == h.end() || !token->is_string() ||
            !tokens_equal(token->get<std::string>(), options_.token)) {
          return refuse(hdl, "wrong token (open the page as " + page_url_ + "#token=TOKEN)");
        }
        const std::string agent = h.value("agent", "");
        if (const auto error = h.find("error"); error != h.end()) {
          return refuse(hdl,
                        "the tab has no WebGPU: " + error->dump() + " (" + browser_of(agent) + ")");
        }
        const json limits = h.value("limits", json::object());
        const size_t binding = limits.value("max_binding_bytes", size_t{128} << 20);
        const size_t buffer = limits.value("max_buffer_bytes", binding);
        std::shared_ptr<Tab> joined;
        std::shared_ptr<Tab> replaced;
        {
          std::lock_guard lock(impl_->mutex);
          const uint64_t number = ++impl_->tabs_seen;
          joined = std::make_shared<Tab>(*this, hdl, number,
                                         "webgpu tab " + std::to_string(number) + ": " +
                                             h.value("adapter", std::string("?")) + " (" +
                                             browser_of(agent) + ")",
                                         std::min(binding, buffer));
          replaced = impl_->newest;
          impl_->tabs[hdl] = joined;
          impl_->newest = joined;
        }
        std::error_code ignored;
        impl_->server.get_con_from_hdl(hdl)->set_max_message_size(options_.max_message_bytes);
        const std::string welcome =
            encode_tab_message({{"type", "welcome"}, {"tab", joined->number()}});
        impl_->server.send(hdl, welcome, websocketpp::frame::opcode::binary, ignored);
        log("tab " + std::to_string(joined->number()) + " joined: " + joined->description());
        if (replaced) {
          impl_->server.close(replaced->connection(), websocketpp::close::status::going_away,
                              "replaced by tab " + std::to_string(joined->number()), ignored);
          replaced->lose("browser tab " + std::to_string(replaced->number()) +
                         " was replaced by tab " + std::to_string(joined->number()) +
                         " (reloaded, or another tab opened the page)");
        }
        impl_->joined.notify_all();
      });

  auto gone = [this](const Connection& hdl) {
    std::shared_ptr<Tab> tab;
    std::string why;
    {
      std::lock_guard lock(impl_->mutex);
      auto found = impl_->tabs.find(hdl);
      if (found == impl_->tabs.end()) {
        // Not a tab: websocketpp closed it for a frame over the limit (1009).
        std::error_code ignored;
        auto con = impl_->server.get_con_from_hdl(hdl, ignored);
        if (con && con->get_local_close_code() == websocketpp::close::status::message_too_big) {
          log("refused a connection from " + con->get_remote_endpoint() + ": a message over " +
              std::to_string(kHelloBytes) + " bytes before its hello");
        }
        return;
      }
      tab = found->second;
      impl_->tabs.erase(found);
      if (impl_->newest == tab) impl_->newest.reset();
    }
    std::error_code ignored;
    if (auto con = impl_->server.get_con_from_hdl(hdl, ignored)) {
      why = " (WebSocket close " + std::to_string(con->get_remote_close_code()) +
            (con->get_remote_close_reason().empty() ? "" : ": " + con->get_remote_close_reason()) +
            ")";
    }
    tab->lose("browser tab " + std::to_string(tab->number()) + " closed or reloaded" + why);
    log("tab " + std::to_string(tab->number()) + " left" + why);
  };
  server.set_close_handler(gone);
  server.set_fail_handler(gone);

  try {
    server.listen(asio::ip::tcp::endpoint(asio::ip::make_address(endpoint.host),
                                          static_cast<uint16_t>(endpoint.port)));
    server.start_accept();
  } catch (const std::exception& error) {
    throw std::runtime_error("browser page: cannot listen on " + options_.listen + ": " +
                             error.what());
  }
  std::error_code ec;
  const auto local = server.get_local_endpoint(ec);
  const std::string host = endpoint.ipv6 ? "[" + endpoint.host + "]" : endpoint.host;
  page_url_ = "http://" + host + ":" + std::to_string(local.port()) + "/";
  log("a browser tab that opens " + page_url_ +
      "#token=TOKEN (WebGPU on, docs/webgpu.md) becomes the device");
  impl_->thread = std::thread([this] { impl_->server.run(); });
}

TabHub::~TabHub() {
  try {
    {
      std::lock_guard lock(impl_->mutex);
      for (auto& [hdl, tab] : impl_->tabs) tab->lose("TapML is shutting down");
    }
    std::error_code ignored;
    impl_->server.stop_listening(ignored);
    impl_->server.stop();
    if (impl_->thread.joinable()) impl_->thread.join();
  } catch (...) {
    // Shutting down: nothing is left to tell.
  }
}

bool TabHub::send_frame(const std::weak_ptr<void>& connection, const std::string& frame) {
  std::error_code ec;
  WsServer::connection_ptr con = impl_->server.get_con_from_hdl(connection, ec);
  if (ec || !con || con->get_state() != websocketpp::session::state::open) return false;
  while (con->get_buffered_amount() > kMostBuffered &&
         con->get_state() == websocketpp::session::state::open) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return !con->send(frame, websocketpp::frame::opcode::binary);
}

std::shared_ptr<Tab> TabHub::tab(double wait_s) {
  std::unique_lock lock(impl_->mutex);
  impl_->joined.wait_for(lock, std::chrono::duration<double>(wait_s),
                         [this] { return impl_->newest && !impl_->newest->lost(); });
  if (impl_->newest && !impl_->newest->lost()) return impl_->newest;
  std::string message = "no browser tab is connected to " + page_url_ + " (waited " +
                        std::to_string(static_cast<int>(wait_s)) + " s): open " + page_url_ +
                        "#token=TOKEN in a browser with WebGPU (docs/webgpu.md)";
  if (!impl_->last_refusal.empty()) message += "; the last one was refused: " + impl_->last_refusal;
  throw backends::BackendError(message);
}

}  // namespace tapml::remote::browser
