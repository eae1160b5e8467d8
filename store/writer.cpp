#include "store/writer.h"

#include <condition_variable>
#include <cstring>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

#include "store/call_json.h"
#include "store/call_record.h"
#include "store/permuted_view.h"
#include "store/spool.h"

namespace tapml::store {

namespace {

using nlohmann::json;

// A TENSOR record's payload: u64 header length, the JSON header
// {"hash","dtype","sizes"}, zero padding to 8 bytes, the contiguous values;
// for a permuted view the header is {"hash","view_of","dims"}, no values.
class SpoolTraceWriter final : public TraceWriter {
 public:
  SpoolTraceWriter(const std::string& spool_path, const TraceMeta& meta,
                   const WriterOptions& options)
      : spool_(spool_path), values_(values_path(spool_path)) {
    const std::string text = json{
        {"meta", meta_to_json(meta)},
        {"compression_level", options.compression_level},
        {"chunk_bytes",
         options.chunk_bytes}}.dump();
    spool_.append(RecordType::Meta, text.data(), text.size());
  }
  ~SpoolTraceWriter() override { close(); }

  bool has_tensor(const std::string& hash) const override {
    std::lock_guard lock(mutex_);
    return ranks_.count(hash) > 0;
  }

  void put_tensor(const std::string& hash, DType dtype, const std::vector<int64_t>& sizes,
                  std::vector<std::byte> bytes) override {
    put_tensor_from(hash, dtype, sizes, bytes.data(), bytes.size());
  }

  void put_tensor_from(const std::string& hash, DType dtype, const std::vector<int64_t>& sizes,
                       const void* data, size_t nbytes) override {
    const auto numel = checked_numel(sizes);
    if (!numel || nbytes != static_cast<size_t>(*numel) * dtype_size(dtype)) {
      throw TraceError("put_tensor: tensor " + hash + " has " + std::to_string(nbytes) +
                       " bytes, which its dtype and sizes do not account for");
    }
    put_record(hash, sizes.size(),
               json{{"hash", hash}, {"dtype", dtype_name(dtype)}, {"sizes", sizes}}, data, nbytes);
  }

  void put_view(const std::string& hash, const std::string& base_hash,
                const std::vector<int64_t>& dims) override {
    size_t rank = 0;
    {
      std::unique_lock lock(mutex_);
      copied_.wait(lock, [&] { return pending_.count(base_hash) == 0; });
      auto base = ranks_.find(base_hash);
      if (base == ranks_.end()) {
        if (!error_.empty()) return;  // the base was lost to an earlier write error
        throw TraceError("put_view: view " + hash + " of tensor " + base_hash +
                         ", which is not stored");
      }
      rank = base->second;
    }
    if (dims.size() != rank || !is_permutation(dims)) {
      throw TraceError("put_view: view " + hash + ": dims are not a permutation of its base's " +
                       std::to_string(rank) + " dimensions");
    }
    put_record(hash, rank, json{{"hash", hash}, {"view_of", base_hash}, {"dims", dims}}, nullptr,
               0);
  }

  void note_reference(size_t nbytes) override {
    std::lock_guard lock(mutex_);
    stats_.referenced_bytes += static_cast<int64_t>(nbytes);
  }

  void put_call(const Call& call) override {
    if (!usable()) return;
    thread_local std::string record;  // reused: no allocation per call
    encode_call_record(call, record);
    if (append(RecordType::Row, record)) {
      std::lock_guard lock(mutex_);
      ++stats_.calls;
    }
  }

  void set_meta(const std::string& key, const std::string& value) override {
    if (!usable()) return;
    append(RecordType::MetaKV, json{{"key", key}, {"value", value}}.dump());
  }

  WriterStats stats() const override {
    WriterStats s;
    {
      std::lock_guard lock(mutex_);
      s = stats_;
    }
    s.written_bytes = static_cast<int64_t>(spool_.used() + values_.used());
    return s;
  }

  void close() override {
    {
      std::lock_guard lock(mutex_);
      if (closed_) return;
    }
    if (usable()) append(RecordType::End, {});
    try {
      values_.close();
      spool_.close();
    } catch (const TraceError& e) {
      fail(e.what());
    }
    std::lock_guard lock(mutex_);
    closed_ = true;
  }

  std::string error() const override {
    std::lock_guard lock(mutex_);
    return error_;
  }

 private:
  // A TENSOR record: u64 header length, the JSON header, zero padding to 8
  // bytes, the values; or, for large values, their offset in the values file
  // (header key `values_at`), written first. Waits for another thread
  // putting the same hash. `rank` is the tensor's, remembered so that a view
  // of it can be checked.
  void put_record(const std::string& hash, size_t rank, json header_json, const void* data,
                  size_t nbytes) {
    {
      std::unique_lock lock(mutex_);
      if (closed_ || !error_.empty()) return;
      stats_.referenced_bytes += static_cast<int64_t>(nbytes);
      copied_.wait(lock, [&] { return pending_.count(hash) == 0; });
      if (ranks_.count(hash)) return;
      pending_.insert(hash);
    }
    try {
      const bool beside = nbytes >= kValuesBesideBytes;
      if (beside) header_json["values_at"] = values_.write(data, nbytes);
      const std::string header = header_json.dump();
      const uint64_t data_offset = pad8(8 + header.size());
      const uint64_t inline_bytes = beside ? 0 : nbytes;
      SpoolAppender::Slot slot = spool_.reserve(RecordType::Tensor, data_offset + inline_bytes);
      const uint64_t header_size = header.size();
      std::memcpy(slot.payload, &header_size, 8);
      std::memcpy(slot.payload + 8, header.data(), header.size());
      if (inline_bytes > 0) std::memcpy(slot.payload + data_offset, data, inline_bytes);
      SpoolAppender::commit(slot);
    } catch (const TraceError& e) {
      finish_put(hash, rank, false, nbytes, e.what());
      return;
    }
    finish_put(hash, rank, true, nbytes, {});
  }

  bool usable() const {
    std::lock_guard lock(mutex_);
    return !closed_ && error_.empty();
  }

  void fail(const std::string& message) {
    std::lock_guard lock(mutex_);
    if (error_.empty()) error_ = message;
  }

  bool append(RecordType type, const std::string& payload) {
    try {
      spool_.append(type, payload.data(), payload.size());
      return true;
    } catch (const TraceError& e) {
      fail(e.what());
      return false;
    }
  }

  void finish_put(const std::string& hash, size_t rank, bool ok, size_t nbytes,
                  const std::string& why) {
    {
      std::lock_guard lock(mutex_);
      pending_.erase(hash);
      if (ok) {
        ranks_.emplace(hash, rank);
        ++stats_.tensors;
        stats_.raw_bytes += static_cast<int64_t>(nbytes);
      } else if (error_.empty()) {
        error_ = why;
      }
    }
    copied_.notify_all();
  }

  SpoolAppender spool_;
  ValuesAppender values_;
  mutable std::mutex mutex_;
  std::condition_variable copied_;
  std::unordered_map<std::string, size_t> ranks_;  // stored hashes, with their rank
  std::unordered_set<std::string> pending_;
  WriterStats stats_;
  std::string error_;
  bool closed_ = false;
};

}  // namespace

std::unique_ptr<TraceWriter> TraceWriter::create(const std::string& trace_path,
                                                 const TraceMeta& meta,
                                                 const WriterOptions& options) {
  return std::make_unique<SpoolTraceWriter>(trace_path + ".spool", meta, options);
}

}  // namespace tapml::store
