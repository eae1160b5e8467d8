#include "remote/client/connection.h"

#include <atomic>
#include <cstdio>
#include <cstring>
#include <zmq_addon.hpp>

#include "backends/backend.h"
#include "remote/protocol/endpoint.h"
#include "remote/protocol/limits.h"

namespace tapml::remote {
namespace {

using Clock = std::chrono::steady_clock;

std::string seconds_text(std::chrono::milliseconds duration) {
  char text[32];
  std::snprintf(text, sizeof text, "%g s", static_cast<double>(duration.count()) / 1000.0);
  return text;
}

std::string monitor_endpoint() {
  static std::atomic<int> counter{0};
  return "inproc://tapml-remote-monitor-" + std::to_string(counter++);
}

}  // namespace

Connection::Connection(const std::string& host_port, ConnectionTimeouts timeouts)
    : host_port_(host_port),
      timeouts_(timeouts),
      socket_(context_, zmq::socket_type::dealer),
      monitor_(context_, zmq::socket_type::pair) {
  Endpoint endpoint;
  try {
    endpoint = parse_endpoint(host_port, false);
  } catch (const std::exception& error) {
    throw backends::BackendError(std::string("--remote ") + error.what());
  }
  socket_.set(zmq::sockopt::linger, 0);
  socket_.set(zmq::sockopt::ipv6, endpoint.ipv6);
  socket_.set(zmq::sockopt::heartbeat_ivl, 1000);
  socket_.set(zmq::sockopt::heartbeat_timeout, 5000);
  socket_.set(zmq::sockopt::reconnect_ivl, 100);
  socket_.set(zmq::sockopt::sndtimeo, static_cast<int>(timeouts_.connect.count()));
  const std::string monitor = monitor_endpoint();
  if (zmq_socket_monitor(socket_.handle(), monitor.c_str(),
                         ZMQ_EVENT_CONNECTED | ZMQ_EVENT_DISCONNECTED) != 0) {
    throw backends::BackendError("cannot monitor the connection to " + host_port);
  }
  monitor_.connect(monitor);
  socket_.connect(endpoint.address);
}

Connection::~Connection() { stop_heartbeat(); }

bool Connection::read_monitor_events() {
  bool closed = false;
  std::vector<zmq::message_t> event;
  while (zmq::recv_multipart(monitor_, std::back_inserter(event), zmq::recv_flags::dontwait)) {
    uint16_t id = 0;
    if (!event.empty() && event[0].size() >= sizeof id)
      std::memcpy(&id, event[0].data(), sizeof id);
    if (id == ZMQ_EVENT_CONNECTED) {
      connected_ = ever_connected_ = true;
    } else if (id == ZMQ_EVENT_DISCONNECTED) {
      connected_ = false;
      closed = true;
    }
    event.clear();
  }
  return closed;
}

void Connection::lose(const std::string& reason) {
  lost_ = reason;
  throw backends::DeviceLost(reason);
}

Message Connection::request(Message message, const std::string& what) {
  std::lock_guard lock(mutex_);
  return request_locked(std::move(message), what);
}

Message Connection::request_locked(Message message, const std::string& what) {
  if (!lost_.empty()) throw backends::DeviceLost(lost_);
  read_monitor_events();  // a close while idle: ZeroMQ reconnects, or the wait below says so
  const uint64_t seq = next_seq_++;
  message.header["v"] = kProtocolVersion;
  message.header["seq"] = seq;
  sent_bytes_ += wire_bytes(message);
  const std::string server = "tapml-serve at " + host_port_;
  if (!send_message(socket_, std::move(message))) {
    lose("cannot reach " + server + " (could not send while " + what + ")");
  }
  last_request_ = Clock::now();

  Clock::time_point connect_deadline = Clock::now() + timeouts_.connect;
  Clock::time_point reply_deadline = Clock::now() + timeouts_.request;
  std::vector<zmq::pollitem_t> items = {{socket_.handle(), 0, ZMQ_POLLIN, 0},
                                        {monitor_.handle(), 0, ZMQ_POLLIN, 0}};
  for (;;) {
    Clock::time_point deadline = connected_ ? reply_deadline : connect_deadline;
    auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (remaining.count() <= 0) {
      if (!connected_ && !ever_connected_) {
        lose("cannot reach " + server + " (no connection in " + seconds_text(timeouts_.connect) +
             ")");
      }
      if (!connected_) lose(server + " is gone (no connection while " + what + ")");
      lose("no answer from " + server + " in " + seconds_text(timeouts_.request) + " while " +
           what);
    }
    try {
      zmq::poll(items, std::min(remaining, std::chrono::milliseconds(1000)));
    } catch (const zmq::error_t& error) {
      if (error.num() != EINTR) throw;
    }
    if ((items[1].revents & ZMQ_POLLIN) && read_monitor_events()) {
      lose(server + " closed the connection while " + what);
    }
    if (!(items[0].revents & ZMQ_POLLIN)) continue;
    std::vector<zmq::message_t> parts;
    if (!zmq::recv_multipart(socket_, std::back_inserter(parts), zmq::recv_flags::dontwait))
      continue;
    Message reply;
    try {
      reply = to_message(std::move(parts), Limits{}.max_header_bytes);
    } catch (const ProtocolError& error) {
      lose(server + " sent a malformed reply while " + what + ": " + error.what());
    }
    received_bytes_ += wire_bytes(reply);
    if (sequence_of(reply.header) != seq) continue;  // the late reply to an abandoned request
    return reply;
  }
}

void Connection::start_heartbeat(nlohmann::json ping, std::chrono::milliseconds interval) {
  stop_heartbeat();
  heartbeat_stop_ = false;
  heartbeat_ = std::thread([this, ping, interval] { heartbeat_loop(ping, interval); });
}

void Connection::stop_heartbeat() {
  if (!heartbeat_.joinable()) return;
  {
    std::lock_guard lock(heartbeat_mutex_);
    heartbeat_stop_ = true;
  }
  heartbeat_wake_.notify_one();
  heartbeat_.join();
}

void Connection::heartbeat_loop(nlohmann::json ping, std::chrono::milliseconds interval) {
  for (;;) {
    {
      std::unique_lock wait_lock(heartbeat_mutex_);
      if (heartbeat_wake_.wait_for(wait_lock, interval / 4, [this] { return heartbeat_stop_; })) {
        return;
      }
    }
    std::unique_lock lock(mutex_, std::try_to_lock);  // busy: a request is on its way anyway
    if (!lock.owns_lock() || !lost_.empty() || Clock::now() - last_request_ < interval) continue;
    try {
      request_locked({ping, {}}, "sending a heartbeat");
    } catch (const backends::BackendError&) {
      return;  // lost_ is set: the next request reports it
    }
  }
}

}  // namespace tapml::remote
