// Writing a trace while a program runs. The recording thread hands over
// calls and tensor copies; worker threads shuffle and zstd-compress tensors
// chunk by chunk; one writer thread appends checksummed records to a spool
// file (<trace>.spool). A crash of the recorded program therefore loses at
// most the record being written: `finish_trace` (at normal close) or
// `tapml-trace recover` (after a crash) turns the valid prefix of the spool
// into the HDF5 trace, copying the compressed chunks without recompressing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "store/trace.h"

namespace tapml::store {

struct WriterOptions {
  int compression_level = 3;               // zstd level, 1..19
  size_t max_pending_bytes = 512u << 20;   // back-pressure: the recording thread waits above this
  int worker_threads = 1;                  // compression threads
  size_t chunk_bytes = 1u << 20;           // target HDF5 chunk size
};

struct WriterStats {
  int64_t calls = 0;           // calls appended
  int64_t tensors = 0;         // distinct tensors appended
  int64_t raw_bytes = 0;       // bytes of distinct tensors before compression
  int64_t referenced_bytes = 0;  // bytes of every tensor reference (dedupe's denominator)
  int64_t written_bytes = 0;   // bytes in the spool so far
};

class TraceWriter {
 public:
  // Creates `<trace_path>.spool`. Throws TraceError naming the path if it cannot.
  static std::unique_ptr<TraceWriter> create(const std::string& trace_path, const TraceMeta& meta,
                                             const WriterOptions& options = {});
  virtual ~TraceWriter() = default;

  // True if a tensor with this hash was already put in this trace.
  virtual bool has_tensor(const std::string& hash) const = 0;
  // Hands over one tensor's contiguous values; returns at once (compression is
  // done off this thread) unless more than max_pending_bytes are queued.
  virtual void put_tensor(const std::string& hash, DType dtype, const std::vector<int64_t>& sizes,
                          std::vector<std::byte> bytes) = 0;
  // Counts a reference to an already stored tensor of this many bytes.
  virtual void note_reference(size_t nbytes) = 0;
  // Appends one call; its tensors must have been put before.
  virtual void put_call(const Call& call) = 0;
  // Metadata learnt during the run (e.g. the runtime's version) may be added late.
  virtual void set_meta(const std::string& key, const std::string& value) = 0;
  virtual WriterStats stats() const = 0;
  // Drains queues, writes the end record and closes the spool (does not convert).
  // A write error (disk full) is reported here and by `error()`.
  virtual void close() = 0;
  // First I/O error met, empty if none. After an error the writer drops further input.
  virtual std::string error() const = 0;
};

struct FinishReport {
  int64_t calls = 0;
  int64_t tensors = 0;
  bool complete = false;      // the spool had its end record
  std::string stopped_because;  // when incomplete: why reading stopped (truncated, checksum...)
};

// Converts `<trace_path>.spool` into `trace_path` (HDF5) and removes the
// spool on success. Works on a complete or a crashed spool alike; throws
// TraceError if no trace can be made.
FinishReport finish_trace(const std::string& spool_path, const std::string& trace_path,
                          bool keep_spool = false);

}  // namespace tapml::store
