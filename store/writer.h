// Writing a trace while a program runs. The recording thread appends calls
// and small tensors' values to a spool file (<trace>.spool, store/spool.h):
// a memory-mapped, append-only file of checksummed records, so a crash of
// the recorded program loses no completed call (the bytes are in the
// kernel's page cache the moment they are copied). Large values go to
// <trace>.spool.values with O_DIRECT, now (put_tensor_from) or on a writer
// thread (put_tensor_later, store/values_queue.h). Nothing is compressed on
// the recording thread: `finish_trace` (at normal close) or `tapml-trace
// recover` (after a crash) turns the valid prefix of the spool into the HDF5
// trace, compressing chunks on a thread pool.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "store/trace.h"

namespace tapml::store {

// zstd level 1: behind the byte shuffle, tensor values compress about as
// well as at higher levels (SmolLM2: 559 MiB at 1, 565 MiB at 3) in less time.
inline constexpr int kDefaultCompressionLevel = 1;

// compression_level and chunk_bytes travel in the spool's metadata record
// and are applied by finish_trace.
struct WriterOptions {
  int compression_level = kDefaultCompressionLevel;  // zstd level, 1..19
  size_t chunk_bytes = 1u << 20;                     // target HDF5 chunk size
};

struct WriterStats {
  int64_t calls = 0;             // calls appended
  int64_t tensors = 0;           // distinct tensors appended
  int64_t raw_bytes = 0;         // bytes of distinct tensors before compression
  int64_t referenced_bytes = 0;  // bytes of every tensor reference (dedupe's denominator)
  int64_t written_bytes = 0;     // bytes in the spool so far
};

class TraceWriter {
 public:
  // Creates `<trace_path>.spool`. Throws TraceError naming the path if it cannot.
  static std::unique_ptr<TraceWriter> create(const std::string& trace_path, const TraceMeta& meta,
                                             const WriterOptions& options = {});
  virtual ~TraceWriter() = default;

  // True if a tensor with this hash was already put in this trace.
  virtual bool has_tensor(const std::string& hash) const = 0;
  // Copies one tensor's contiguous values into the spool (no compression
  // here). `bytes.size()` must be the size of `sizes` x dtype. Putting a hash
  // again only counts a reference. If another thread is putting the same hash,
  // waits until its copy is complete, so a call put afterwards is recoverable.
  virtual void put_tensor(const std::string& hash, DType dtype, const std::vector<int64_t>& sizes,
                          std::vector<std::byte> bytes) = 0;
  // The same, copying straight from the caller's memory into the spool.
  virtual void put_tensor_from(const std::string& hash, DType dtype,
                               const std::vector<int64_t>& sizes, const void* data,
                               size_t nbytes) = 0;
  // For values that stay alive and unchanged until written: puts the tensor
  // as put_tensor_from does, but large values (kValuesBesideBytes and up)
  // are written on the writer's own thread (store/values_queue.h). `keep`
  // holds their memory until then; the caller must wait_written(ticket)
  // before anything writes to that memory. Returns the ticket, 0 when the
  // values were written at once (or not at all: stored already, or an error).
  virtual uint64_t put_tensor_later(const std::string& hash, DType dtype,
                                    const std::vector<int64_t>& sizes, const void* data,
                                    size_t nbytes, std::shared_ptr<const void> keep) = 0;
  virtual bool written(uint64_t ticket) const = 0;
  virtual void wait_written(uint64_t ticket) = 0;
  // Records `hash` as a permuted view of the stored tensor `base_hash`
  // (store/permuted_view.h): no values are copied. `hash` must be
  // view_hash(base_hash, dims) (store/trace.h). Throws TraceError if the base
  // is not stored or `dims` is not a permutation of its rank.
  virtual void put_view(const std::string& hash, const std::string& base_hash,
                        const std::vector<int64_t>& dims) = 0;
  // Counts a reference to an already stored tensor of this many bytes.
  virtual void note_reference(size_t nbytes) = 0;
  // Appends one call; its tensors must have been put before.
  virtual void put_call(const Call& call) = 0;
  // Metadata learnt during the run (e.g. the runtime's version) may be added late.
  virtual void set_meta(const std::string& key, const std::string& value) = 0;
  virtual WriterStats stats() const = 0;
  // Writes the end record and closes the spool (does not convert). Does not
  // throw: a write error (disk full) met here or before is reported by `error()`.
  virtual void close() = 0;
  // First I/O error met, empty if none. After an error the writer drops further input.
  virtual std::string error() const = 0;
};

struct FinishReport {
  int64_t calls = 0;            // calls written
  int64_t tensors = 0;          // tensors written
  bool complete = false;        // the spool had its end record
  std::string stopped_because;  // when incomplete: why reading stopped (truncated, checksum...)
  int64_t skipped_records = 0;  // records their writer never finished (crash mid-copy)
  int64_t raw_bytes = 0;        // bytes of the tensors written, uncompressed
  int64_t stored_bytes = 0;     // size of the HDF5 file
};

// Converts the spool into `trace_path` (HDF5) and removes the spool on
// success unless `keep_spool`. Works on a complete or a crashed spool alike:
// it reads records up to the first damaged one, or the first call that
// references a tensor not put before it, and writes those calls (sorted by
// seq and renumbered 0..n-1 when some are missing, e.g. parents that never
// returned; a call whose parent is missing gets parent -1) and only the
// tensors they reference. Throws TraceError if no trace can be made.
FinishReport finish_trace(const std::string& spool_path, const std::string& trace_path,
                          bool keep_spool = false);

}  // namespace tapml::store
