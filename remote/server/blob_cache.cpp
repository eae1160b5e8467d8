#include "remote/server/blob_cache.h"

namespace tapml::remote {

const zmq::message_t* BlobCache::find(const std::string& hash) {
  auto it = by_hash_.find(hash);
  if (it == by_hash_.end()) return nullptr;
  entries_.splice(entries_.begin(), entries_, it->second);
  return &it->second->blob;
}

void BlobCache::insert(const std::string& hash, zmq::message_t blob) {
  if (blob.size() > capacity_ || by_hash_.count(hash)) return;
  while (bytes_ + blob.size() > capacity_) {
    bytes_ -= entries_.back().blob.size();
    by_hash_.erase(entries_.back().hash);
    entries_.pop_back();
  }
  bytes_ += blob.size();
  entries_.push_front({hash, std::move(blob)});
  by_hash_[hash] = entries_.begin();
}

}  // namespace tapml::remote
