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
#include "store/values_queue.h"

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
    check_size(hash, dtype, sizes, nbytes);
    put_record(hash, sizes.size(),
               json{{"hash", hash}, {"dtype", dtype_name(dtype)}, {"sizes", sizes}}, data, nbytes);
  }

  uint64_t put_tensor_later(const std::string& hash, DType dtype, const std::vector<int64_t>& sizes,
                            const void* data, size_t nbytes,
                            std::shared_ptr<const void> keep) override {
    if (nbytes < kValuesBesideBytes) {
      put_tensor_from(hash, dtype, sizes, data, nbytes);
      return 0;
    }
    check_size(hash, dtype, sizes, nbytes);
    if (!claim(hash, nbytes)) return 0;
    ValuesQueue::Job job;
    try {
      job.region = values_.reserve(data, nbytes);
      const std::string header = json{
          {"hash", hash},
          {"dtype", dtype_name(dtype)},
          {"sizes", sizes},
          {"values_at",
           job.region.value_at}}.dump();
      job.record = spool_.reserve(RecordType::Tensor, pad8(8 + header.size()));
      const uint64_t header_size = header.size();
      std::memcpy(job.record.payload, &header_size, 8);
      std::memcpy(job.record.payload + 8, header.data(), header.size());
    } catch (const TraceError& e) {
      finish_put(hash, sizes.size(), false, nbytes, e.what());
      return 0;
    }
    // Stored as far as later records go: they follow this one in the spool.
    finish_put(hash, sizes.size(), true, nbytes, {});
    job.keep = std::move(keep);
    return queue_.push(std::move(job));
  }

  bool written(uint64_t ticket) const override { return queue_.written(ticket); }
  void wait_written(uint64_t ticket) override { queue_.wait(ticket); }

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
    queue_.drain();  // every queued value written (or failed) before the end record
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
    if (!claim(hash, nbytes)) return;
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

  static void check_size(const std::string& hash, DType dtype, const std::vector<int64_t>& sizes,
                         size_t nbytes) {
    const auto numel = checked_numel(sizes);
    if (!numel || nbytes != static_cast<size_t>(*numel) * dtype_size(dtype)) {
      throw TraceError("put_tensor: tensor " + hash + " has " + std::to_string(nbytes) +
                       " bytes, which its dtype and sizes do not account for");
    }
  }

  // Counts the reference; true if this thread is to store `hash` (then
  // finish_put must follow), false if it is stored already or cannot be.
  // Waits for another thread putting the same hash.
  bool claim(const std::string& hash, size_t nbytes) {
    std::unique_lock lock(mutex_);
    if (closed_ || !error_.empty()) return false;
    stats_.referenced_bytes += static_cast<int64_t>(nbytes);
    copied_.wait(lock, [&] { return pending_.count(hash) == 0; });
    if (ranks_.count(hash)) return false;
    pending_.insert(hash);
    return true;
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
  // Last: its thread calls fail(), so it stops before the members above go.
  ValuesQueue queue_{values_, [this](const std::string& why) { fail(why); }};
};

}  // namespace

std::unique_ptr<TraceWriter> TraceWriter::create(const std::string& trace_path,
                                                 const TraceMeta& meta,
                                                 const WriterOptions& options) {
  return std::make_unique<SpoolTraceWriter>(trace_path + ".spool", meta, options);
}

}  // namespace tapml::store
