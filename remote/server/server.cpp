#include "remote/server/server.h"

#include <cstdio>
#include <random>
#include <zmq_addon.hpp>

#include "backends/target.h"
#include "remote/protocol/endpoint.h"
#include "remote/protocol/token.h"

namespace tapml::remote {
namespace {

using nlohmann::json;

void log_line(const std::string& line) { std::fprintf(stderr, "tapml-serve: %s\n", line.c_str()); }

// Session ids are bearer secrets for the session's lifetime: 128 random bits.
std::string new_session_id() {
  std::random_device random;
  std::string id;
  for (int i = 0; i < 4; ++i) {
    char word[9];
    std::snprintf(word, sizeof word, "%08x", static_cast<unsigned>(random()));
    id += word;
  }
  return id;
}

std::string short_id(const std::string& id) { return id.substr(0, 8); }

}  // namespace

Server::Server(ServerOptions options)
    : options_(std::move(options)),
      frontend_(context_, zmq::socket_type::router),
      replies_(context_, zmq::socket_type::pull) {
  // A built-in backend or a provider (backends/target.h), and the device
  // the target names ("vulkan:1") over --device.
  backends::OpenedTarget opened =
      backends::open_target(options_.target, "--target", options_.device);
  backend_ = opened.backend;
  options_.device = opened.device_index;
  device_name_ = opened.device->name();

  Endpoint listen = parse_endpoint(options_.listen, true);
  frontend_.set(zmq::sockopt::linger, 0);
  frontend_.set(zmq::sockopt::maxmsgsize, static_cast<int64_t>(options_.limits.max_message_bytes));
  // ZMTP heartbeats: a peer that vanishes without closing its connection is
  // dropped after a few seconds instead of holding the connection open.
  frontend_.set(zmq::sockopt::heartbeat_ivl, 1000);
  frontend_.set(zmq::sockopt::heartbeat_timeout, 5000);
  frontend_.set(zmq::sockopt::ipv6, listen.ipv6);
  try {
    frontend_.bind(listen.address);
  } catch (const zmq::error_t& error) {
    throw std::runtime_error("cannot listen on " + options_.listen + ": " + error.what());
  }
  endpoint_ = frontend_.get(zmq::sockopt::last_endpoint);
  replies_endpoint_ = "inproc://tapml-serve-replies";
  replies_.bind(replies_endpoint_);
}

Server::~Server() { sessions_.clear(); }

void Server::run(const std::atomic<bool>& stop) {
  std::vector<zmq::pollitem_t> items = {{frontend_.handle(), 0, ZMQ_POLLIN, 0},
                                        {replies_.handle(), 0, ZMQ_POLLIN, 0}};
  while (!stop) {
    try {
      zmq::poll(items, std::chrono::milliseconds(200));
    } catch (const zmq::error_t& error) {
      if (error.num() == EINTR) continue;  // a signal; `stop` says whether to end
      throw;
    }
    if (items[1].revents & ZMQ_POLLIN) {
      std::vector<zmq::message_t> parts;
      while (zmq::recv_multipart(replies_, std::back_inserter(parts), zmq::recv_flags::dontwait)) {
        zmq::send_multipart(frontend_, parts);
        parts.clear();
      }
    }
    if (items[0].revents & ZMQ_POLLIN) {
      std::vector<zmq::message_t> parts;
      while (zmq::recv_multipart(frontend_, std::back_inserter(parts), zmq::recv_flags::dontwait)) {
        on_request(parts);
        parts.clear();
      }
    }
    expire_sessions();
  }
  while (!sessions_.empty()) close_session(sessions_.begin()->first, "server stopping");
}

void Server::reply(zmq::message_t& routing_id, const json& header) {
  send_message(frontend_, {header, {}}, &routing_id);
}

void Server::on_request(std::vector<zmq::message_t>& parts) {
  zmq::message_t routing_id = std::move(parts.front());
  Message request;
  try {
    if (parts.size() < 2) throw ProtocolError("empty message");
    std::vector<zmq::message_t> body(std::make_move_iterator(parts.begin() + 1),
                                     std::make_move_iterator(parts.end()));
    request = to_message(std::move(body), options_.limits.max_header_bytes);
    if (request.frames.size() > options_.limits.max_frames) {
      throw ProtocolError(std::to_string(request.frames.size()) + " payload frames");
    }
    auto version = request.header.find("v");
    if (version == request.header.end() || *version != kProtocolVersion) {
      throw ProtocolError("protocol version missing or not " + std::to_string(kProtocolVersion));
    }
    const std::string type = string_field(request.header, "type");
    if (type == "hello") return hello(routing_id, request);
    const std::string id = string_field(request.header, "session");
    auto session = sessions_.find(id);
    if (session == sessions_.end()) {
      return reply(routing_id,
                   status_reply(request.header, "error", "unknown or expired session; say hello"));
    }
    if (type == "bye") {
      close_session(id, "bye");
      return reply(routing_id, ok_reply(request.header));
    }
    session->second->post(std::move(routing_id), std::move(request));
  } catch (const std::exception& error) {  // ProtocolError, and json's own on odd fields
    reply(routing_id,
          status_reply(request.header, "error", std::string("bad request: ") + error.what()));
  }
}

void Server::hello(zmq::message_t& routing_id, Message& request) {
  const json& header = request.header;
  if (!tokens_equal(string_field(header, "token"), options_.token)) {
    log_line("refused a hello: wrong token");
    return reply(routing_id, status_reply(header, "error", "token refused"));
  }
  const std::string target = string_field(header, "target");
  // "vulkan" asks for what "vulkan:1" serves: the device is the server's;
  // "webgpu" for what browser://127.0.0.1:8600 serves (its backend's name).
  const std::string asked = backends::parse_target(target).backend;
  if (asked != backends::parse_target(options_.target).backend && asked != backend_->name()) {
    return reply(routing_id,
                 status_reply(header, "error",
                              "this server runs target " + options_.target + ", not " + target));
  }
  if (sessions_.size() >= options_.max_sessions) {
    return reply(routing_id, status_reply(header, "error",
                                          "server busy: " + std::to_string(sessions_.size()) +
                                              " sessions open"));
  }
  std::string id = new_session_id();
  auto session = std::make_unique<Session>(id, *backend_, options_.device, options_.limits,
                                           options_.idle_timeout_s);
  auto worker = std::make_unique<SessionWorker>(std::move(session), context_, replies_endpoint_);
  worker->post(std::move(routing_id), std::move(request));  // opens the device on its thread
  sessions_[id] = std::move(worker);
  log_line("session " + short_id(id) + " opened (" + std::to_string(sessions_.size()) + " open)");
}

void Server::close_session(const std::string& id, const char* why) {
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return;
  it->second->stop();
  const Session& session = it->second->session();
  const SessionStats& stats = session.stats();
  log_line("session " + short_id(id) + " closed (" + why + "), freed " +
           std::to_string(session.buffer_count()) + " buffers (" +
           std::to_string(session.held_bytes()) + " bytes): requests=" +
           std::to_string(stats.requests) + " calls=" + std::to_string(stats.calls) +
           " received_bytes=" + std::to_string(stats.received_bytes) + " sent_bytes=" +
           std::to_string(stats.sent_bytes) + " uploads=" + std::to_string(stats.uploads) +
           " upload_hits=" + std::to_string(stats.upload_hits) +
           " upload_hit_bytes=" + std::to_string(stats.upload_hit_bytes));
  sessions_.erase(it);  // frees the session's buffers, cache and device
}

void Server::expire_sessions() {
  std::vector<std::pair<std::string, const char*>> expired;
  for (const auto& [id, worker] : sessions_) {
    if (worker->failed()) {
      expired.emplace_back(id, "device failed to open");
    } else if (worker->idle_seconds() > options_.idle_timeout_s) {
      expired.emplace_back(id, "idle");
    }
  }
  for (const auto& [id, why] : expired) close_session(id, why);
}

}  // namespace tapml::remote
