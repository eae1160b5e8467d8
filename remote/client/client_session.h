// One session on a tapml-serve, shared by the remote backend, the device it
// opened and that device's buffers: whichever goes last says bye. A buffer
// freed on the host queues its id; the next request carries the frees.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_set>
#include <vector>

#include "remote/client/connection.h"
#include "remote/client/remote_backend.h"

namespace tapml::remote {

class ClientSession {
 public:
  // Connects and says hello; throws backends::BackendError in one line.
  explicit ClientSession(const RemoteOptions& options);
  ~ClientSession();  // says bye, so the server frees everything at once

  // Sends a request of this session; an error reply throws BackendError
  // (DeviceLost when the session is gone). Returns the reply otherwise,
  // whatever its status ("ok", "unsupported", "miss").
  Message request(nlohmann::json header, std::vector<zmq::message_t> frames,
                  const std::string& what);

  void release(uint64_t buffer_id);
  // The first time this session meets these bytes; false when it sent them before.
  bool first_upload(const std::string& hash);

  const std::string& device_name() const { return device_name_; }
  const std::vector<std::string>& ops() const { return ops_; }
  const std::string& numerics() const { return numerics_; }  // "" from an older server
  const RemoteOptions& options() const { return options_; }
  size_t max_tensor_bytes() const { return max_tensor_bytes_; }
  RemoteTraffic traffic() const;
  void count_upload(bool by_hash);

 private:
  RemoteOptions options_;
  Connection connection_;
  std::string id_;
  std::string device_name_;
  std::string numerics_;
  std::vector<std::string> ops_;
  size_t max_tensor_bytes_ = 0;
  mutable std::mutex mutex_;  // guards the members below: buffers die on any thread
  std::vector<uint64_t> released_;
  std::unordered_set<std::string> sent_hashes_;
  uint64_t uploads_ = 0;
  uint64_t uploads_by_hash_ = 0;
};

}  // namespace tapml::remote
