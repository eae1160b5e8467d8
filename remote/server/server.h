// tapml-serve's server: one ROUTER socket that every client talks to, a
// worker thread per session, and the rules every request passes first
// (authentication, bounds, idle expiry). Its main thread alone touches the
// network socket.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <zmq.hpp>

#include "backends/backend.h"
#include "remote/protocol/limits.h"
#include "remote/server/session_worker.h"

namespace tapml::remote {

struct ServerOptions {
  std::string target;  // backend name: "cpu", "vulkan", "opencl"
  std::string listen = "127.0.0.1:" + std::to_string(kDefaultPort);
  int device = 0;     // which device of the backend sessions open
  std::string token;  // the shared secret of every hello
  Limits limits;
  double idle_timeout_s = 30;  // a silent session is closed after this
  size_t max_sessions = 16;
};

class Server {
 public:
  // Opens the device once to check the target works, and binds. Throws
  // std::runtime_error (backends::BackendError for the target) in one line.
  explicit Server(ServerOptions options);
  ~Server();

  // The bound endpoint with its real port: "tcp://127.0.0.1:40123".
  std::string endpoint() const { return endpoint_; }
  const std::string& device_name() const { return device_name_; }
  // Serves until `stop` turns true (checked a few times a second).
  void run(const std::atomic<bool>& stop);

 private:
  void on_request(std::vector<zmq::message_t>& parts);
  void hello(zmq::message_t& routing_id, Message& request);
  void close_session(const std::string& id, const char* why);
  void expire_sessions();
  void reply(zmq::message_t& routing_id, const nlohmann::json& header);

  ServerOptions options_;
  const backends::Backend* backend_ = nullptr;
  std::string device_name_;
  zmq::context_t context_;
  zmq::socket_t frontend_;
  zmq::socket_t replies_;
  std::string replies_endpoint_;
  std::string endpoint_;
  std::map<std::string, std::unique_ptr<SessionWorker>> sessions_;
};

}  // namespace tapml::remote
