// The browser side of the remote runtime: a web page and a WebSocket on one
// HOST:PORT (127.0.0.1 by default), and the browser tabs that open it. A
// browser cannot listen, so the tab calls in: it loads the page, opens the
// WebSocket, proves it holds the token (the same shared secret tapml-serve's
// clients present; docs/remote.md) and from then on is a device that runs
// whatever WGSL it is sent (remote/browser/tab_device.h). The newest tab
// that authenticated is the device; a reload is a new tab, and the old one's
// buffers are gone with it (DeviceLost, never a silent wrong value).
//
// WebSocket and HTTP are websocketpp's (Debian's libwebsocketpp-dev over
// standalone asio); one thread runs its event loop, callers' threads send
// and wait on a tab's replies. Anything that is not an authenticated tab
// speaking the page's protocol (no hello first, a wrong token, a malformed
// or oversized message) gets an error message and is closed, and the hub
// goes on serving the others.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "remote/browser/tab_message.h"

namespace tapml::remote::browser {

struct HubOptions {
  std::string listen = "127.0.0.1:0";          // HOST:PORT of the page (port 0: any free port)
  std::string token;                           // what a tab's hello must carry
  size_t max_message_bytes = size_t{1} << 30;  // an authenticated tab's largest message
  double reply_timeout_s = 600;  // a tab silent this long on a request is taken as lost
};

class TabHub;

// One authenticated tab. Thread-safe: the hub's thread delivers, a device's
// thread sends and waits.
class Tab {
 public:
  Tab(TabHub& hub, std::weak_ptr<void> connection, uint64_t number, std::string description,
      size_t max_view_bytes);

  uint64_t number() const { return number_; }  // 1, 2, ... in the order tabs connected
  const std::string& description() const { return description_; }
  size_t max_view_bytes() const { return max_view_bytes_; }
  uint64_t next_id() { return ++next_id_; }
  const std::weak_ptr<void>& connection() const { return connection_; }

  // Sends one message (with the buffers released since the last one).
  // Throws backends::DeviceLost once the tab closed, reloaded or was replaced.
  void send(nlohmann::json header, const void* payload = nullptr, size_t bytes = 0);
  // Sends `header` with a fresh "req" and waits for the reply carrying it;
  // throws backends::BackendError with the tab's error (a WebGPU validation
  // error of any pass since the last request), DeviceLost when the tab goes.
  TabMessage request(nlohmann::json header, const std::string& what);
  // Sends kernel `key`'s source (`source()`) the first time it is asked for,
  // ordered before any later message of any thread: a pass of another
  // session never reaches the tab ahead of its kernel.
  void send_kernel(const std::string& key, const std::function<std::string()>& source);
  // A buffer nobody holds any more: freed in the tab with the next message.
  void release(uint64_t id);

  // The hub's thread: a reply arrived, or the tab is gone and why.
  void deliver(TabMessage message);
  void lose(const std::string& why);
  bool lost() const;

 private:
  void send_in_order(nlohmann::json header, const void* payload = nullptr, size_t bytes = 0);

  TabHub& hub_;
  std::weak_ptr<void> connection_;
  const uint64_t number_;
  const std::string description_;
  const size_t max_view_bytes_;
  std::atomic<uint64_t> next_id_{0};
  std::atomic<uint64_t> next_request_{0};
  mutable std::mutex mutex_;
  std::condition_variable arrived_;
  std::deque<TabMessage> inbox_;
  std::string lost_;
  std::mutex send_mutex_;          // orders sends; guards kernels_
  std::set<std::string> kernels_;  // the kernels the tab has been sent
  std::vector<uint64_t> released_;
};

class TabHub {
 public:
  // Binds and starts serving; throws std::runtime_error in one line (a bad
  // address, a port in use).
  explicit TabHub(HubOptions options);
  ~TabHub();
  TabHub(const TabHub&) = delete;
  TabHub& operator=(const TabHub&) = delete;

  // "http://127.0.0.1:43213/": a tab that opens it with #token=TOKEN joins.
  const std::string& page_url() const { return page_url_; }
  const HubOptions& options() const { return options_; }
  // The newest authenticated tab, waiting up to `wait_s` seconds for one;
  // throws backends::BackendError saying how to open one.
  std::shared_ptr<Tab> tab(double wait_s);

  // For Tab: one binary frame to a connection; false once it cannot be sent.
  bool send_frame(const std::weak_ptr<void>& connection, const std::string& frame);

 private:
  struct Impl;
  HubOptions options_;
  std::string page_url_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tapml::remote::browser
