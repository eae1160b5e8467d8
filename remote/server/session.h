// One client session on tapml-serve: its own device, the buffers it
// allocated (by id), and its content cache. Dropping a session frees all of
// it, which is how a client that vanishes leaves nothing behind.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "backends/backend.h"
#include "remote/protocol/limits.h"
#include "remote/protocol/message.h"
#include "remote/server/blob_cache.h"

namespace tapml::remote {

// What a session moved, logged when it closes (bench/remote.py reads it).
struct SessionStats {
  uint64_t requests = 0;
  uint64_t calls = 0;           // run requests
  uint64_t received_bytes = 0;  // all frames received, headers included
  uint64_t sent_bytes = 0;      // all frames sent, headers included
  uint64_t uploads = 0;
  uint64_t upload_hits = 0;       // uploads served from the content cache
  uint64_t upload_hit_bytes = 0;  // bytes those did not need to resend
};

class Session {
 public:
  Session(std::string id, const backends::Backend& backend, int device_index, Limits limits,
          double idle_timeout_s);

  const std::string& id() const { return id_; }
  // Handles one request; never throws: faults become error replies.
  Message handle(Message request);
  const SessionStats& stats() const { return stats_; }
  // What the session holds now; all of it goes when the session is dropped.
  size_t buffer_count() const { return buffers_.size(); }
  size_t held_bytes() const { return allocated_bytes_; }

 private:
  Message dispatch(Message& request);
  Message hello(const nlohmann::json& request);
  Message alloc(const nlohmann::json& request);
  Message upload(Message& request);
  Message download(const nlohmann::json& request);
  Message run(const nlohmann::json& request, bool check_only);
  void free_buffers(const nlohmann::json& ids);

  backends::Device& device();
  std::shared_ptr<backends::Buffer> buffer(uint64_t id) const;
  // Checks that [offset, offset + bytes) lies in the buffer and the limit.
  void check_range(const backends::Buffer& buffer, uint64_t offset, uint64_t bytes) const;

  std::string id_;
  const backends::Backend& backend_;
  int device_index_;
  Limits limits_;
  double idle_timeout_s_;
  std::unique_ptr<backends::Device> device_;
  std::map<uint64_t, std::shared_ptr<backends::Buffer>> buffers_;
  uint64_t next_buffer_id_ = 1;
  size_t allocated_bytes_ = 0;
  BlobCache cache_;
  SessionStats stats_;
};

}  // namespace tapml::remote
