// One DEALER socket to a tapml-serve and one request at a time on it. A
// socket monitor tells a connection that closed (the server died) from a
// kernel that runs long, so a lost server is reported at once, not after a
// timeout; a heartbeat thread keeps an idle session from expiring.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <zmq.hpp>

#include "remote/protocol/message.h"

namespace tapml::remote {

struct ConnectionTimeouts {
  // How long to wait for a connection (at the first request, or after one closed).
  std::chrono::milliseconds connect{5000};
  // How long one request may take once connected (a long kernel included).
  std::chrono::milliseconds request{600000};
};

class Connection {
 public:
  // Starts connecting; throws backends::BackendError on a malformed address.
  Connection(const std::string& host_port, ConnectionTimeouts timeouts);
  ~Connection();

  // Sends `request` (its header gains "v" and "seq") and returns the reply.
  // `what` names the request in errors ("running aten::mm.default"). Throws
  // backends::BackendError when the server cannot be reached at first, and
  // backends::DeviceLost when it goes away later; after that every request
  // throws DeviceLost.
  Message request(Message request, const std::string& what);

  // From now on, sends `ping` whenever no request went out for `interval`.
  void start_heartbeat(nlohmann::json ping, std::chrono::milliseconds interval);
  void stop_heartbeat();

  const std::string& host_port() const { return host_port_; }
  uint64_t sent_bytes() const { return sent_bytes_; }
  uint64_t received_bytes() const { return received_bytes_; }

 private:
  Message request_locked(Message request, const std::string& what);
  // Reads pending monitor events; true when the connection closed.
  bool read_monitor_events();
  [[noreturn]] void lose(const std::string& reason);
  void heartbeat_loop(nlohmann::json ping, std::chrono::milliseconds interval);

  std::string host_port_;
  ConnectionTimeouts timeouts_;
  zmq::context_t context_;
  zmq::socket_t socket_;
  zmq::socket_t monitor_;
  std::mutex mutex_;  // one request at a time; the heartbeat shares the socket
  uint64_t next_seq_ = 1;
  bool connected_ = false;
  bool ever_connected_ = false;
  std::string lost_;  // non-empty once the server is gone
  std::chrono::steady_clock::time_point last_request_;
  uint64_t sent_bytes_ = 0;
  uint64_t received_bytes_ = 0;

  std::mutex heartbeat_mutex_;
  std::condition_variable heartbeat_wake_;
  bool heartbeat_stop_ = false;
  std::thread heartbeat_;
};

}  // namespace tapml::remote
