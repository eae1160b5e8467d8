// A session's content cache: uploaded blobs by content hash, least recently
// used dropped first, within a byte budget. A client that uploads a blob the
// cache holds sends only its hash; the bytes cross the wire once.
#pragma once

#include <cstddef>
#include <list>
#include <string>
#include <unordered_map>
#include <zmq.hpp>

namespace tapml::remote {

class BlobCache {
 public:
  explicit BlobCache(size_t capacity_bytes) : capacity_(capacity_bytes) {}

  // The blob under `hash`, now the most recently used; nullptr when absent.
  const zmq::message_t* find(const std::string& hash);
  // Keeps `blob` (taking the received frame, no copy); a blob larger than the
  // whole budget is not kept.
  void insert(const std::string& hash, zmq::message_t blob);
  size_t bytes() const { return bytes_; }

 private:
  struct Entry {
    std::string hash;
    zmq::message_t blob;
  };
  size_t capacity_;
  size_t bytes_ = 0;
  std::list<Entry> entries_;  // most recently used first
  std::unordered_map<std::string, std::list<Entry>::iterator> by_hash_;
};

}  // namespace tapml::remote
