#include "remote/client/client_session.h"

namespace tapml::remote {

using nlohmann::json;

ClientSession::ClientSession(const RemoteOptions& options)
    : options_(options),
      connection_(options.host_port, {options.connect_timeout, options.request_timeout}) {
  Message reply = connection_.request(
      {{{"type", "hello"}, {"token", options.token}, {"target", options.target}}, {}},
      "saying hello");
  const json& header = reply.header;
  if (header.value("status", "") != "ok") {
    throw backends::BackendError("tapml-serve at " + options.host_port +
                                 " refused the session: " + header.value("message", "no reason"));
  }
  try {
    id_ = string_field(header, "session");
    device_name_ = string_field(header, "device");
    numerics_ = header.value("numerics", std::string());
    ops_ = header.at("ops").get<std::vector<std::string>>();
    max_tensor_bytes_ = u64_field(header, "max_tensor_bytes");
    double idle_timeout_s = header.at("idle_timeout_s").get<double>();
    // Three pings per idle timeout: one may be late without losing the session.
    auto interval = std::chrono::milliseconds(static_cast<int64_t>(idle_timeout_s * 1000 / 3));
    connection_.start_heartbeat({{"type", "ping"}, {"session", id_}},
                                std::max(interval, std::chrono::milliseconds(50)));
  } catch (const std::exception& error) {
    throw backends::BackendError("tapml-serve at " + options.host_port +
                                 " sent a malformed hello reply: " + error.what());
  }
}

ClientSession::~ClientSession() {
  connection_.stop_heartbeat();
  try {
    connection_.request({{{"type", "bye"}, {"session", id_}}, {}}, "saying bye");
  } catch (const std::exception&) {
    // The server is gone or the session expired: nothing is left to free.
  }
}

Message ClientSession::request(json header, std::vector<zmq::message_t> frames,
                               const std::string& what) {
  header["session"] = id_;
  {
    std::lock_guard lock(mutex_);
    if (!released_.empty()) header["free"] = std::move(released_);
    released_.clear();
  }
  Message reply = connection_.request({std::move(header), std::move(frames)}, what);
  if (reply.header.value("status", "") == "lost") {  // the server's device went away
    throw backends::DeviceLost("tapml-serve at " + options_.host_port + ": " +
                               reply.header.value("message", "device lost") + " (" + what + ")");
  }
  if (reply.header.value("status", "") == "error") {
    std::string message = reply.header.value("message", "no message");
    std::string text = "tapml-serve at " + options_.host_port + ": " + message + " (" + what + ")";
    if (message.find("unknown or expired session") != std::string::npos) {
      throw backends::DeviceLost(text);  // the server restarted or dropped us
    }
    throw backends::BackendError(text);
  }
  return reply;
}

void ClientSession::release(uint64_t buffer_id) {
  std::lock_guard lock(mutex_);
  released_.push_back(buffer_id);
}

bool ClientSession::first_upload(const std::string& hash) {
  std::lock_guard lock(mutex_);
  return sent_hashes_.insert(hash).second;
}

void ClientSession::count_upload(bool by_hash) {
  std::lock_guard lock(mutex_);
  ++uploads_;
  if (by_hash) ++uploads_by_hash_;
}

RemoteTraffic ClientSession::traffic() const {
  std::lock_guard lock(mutex_);
  RemoteTraffic traffic;
  traffic.sent_bytes = connection_.sent_bytes();
  traffic.received_bytes = connection_.received_bytes();
  traffic.uploads = uploads_;
  traffic.uploads_by_hash = uploads_by_hash_;
  return traffic;
}

}  // namespace tapml::remote
