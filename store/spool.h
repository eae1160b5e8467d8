// The spool: an append-only file of checksummed records that a TraceWriter
// fills while the recorded program runs, and that finish_trace turns into the
// HDF5 trace. It is memory-mapped (MAP_SHARED): a record's bytes are in the
// file's page cache as soon as they are copied, so a killed program loses
// only records it had not finished. Space is reserved with posix_fallocate,
// so a full disk is an error return, never a SIGBUS on a page write.
//
// File: 16-byte header ("TAPSPOOL", u32 version, u32 0), then records:
//   u32 magic, u32 type, u64 payload length, u64 XXH3-64 of the payload,
//   payload, zero padding to 8 bytes.
// A record is written in two steps: its header with kPendingMagic (type and
// length known), then the payload, then the checksum and kRecordMagic. A
// reader skips a pending record (its writer died while copying) and stops at
// anything else that is not a valid record.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "store/page_warmer.h"

namespace tapml::store {

// Call: a call as one JSON document (older spools; still read). Row: a call
// as its /calls row (store/call_record.h), what the recorder writes now.
enum class RecordType : uint32_t { Meta = 1, Tensor = 2, Call = 3, MetaKV = 4, End = 5, Row = 6 };

inline constexpr uint32_t kRecordMagic = 0x43455254;   // "TREC"
inline constexpr uint32_t kPendingMagic = 0x444e4550;  // "PEND"
inline constexpr uint32_t kSpoolVersion = 1;
inline constexpr size_t kSpoolHeaderBytes = 16;
inline constexpr size_t kRecordHeaderBytes = 24;

inline constexpr uint64_t pad8(uint64_t n) { return (n + 7) & ~uint64_t{7}; }

// Appends records; reserve() and commit() may be called from any thread.
class SpoolAppender {
 public:
  // Creates (truncates) `path`. Throws TraceError naming the path.
  explicit SpoolAppender(const std::string& path);
  ~SpoolAppender();
  SpoolAppender(const SpoolAppender&) = delete;
  SpoolAppender& operator=(const SpoolAppender&) = delete;

  struct Slot {
    std::byte* header = nullptr;
    std::byte* payload = nullptr;
    uint64_t length = 0;
  };
  // Reserves a record of `length` payload bytes; the caller fills
  // `slot.payload` and then calls commit(). Throws TraceError (disk full).
  Slot reserve(RecordType type, uint64_t length);
  // Checksums the payload and marks the record valid.
  static void commit(const Slot& slot);
  // Convenience: reserve, copy, commit.
  void append(RecordType type, const void* payload, uint64_t length);

  uint64_t used() const;
  // Truncates the file to its used length and unmaps it. Idempotent.
  void close();

 private:
  void grow(uint64_t needed);  // called with mutex_ held

  std::string path_;
  int fd_ = -1;
  std::byte* base_ = nullptr;  // start of the reserved address range
  uint64_t reserved_ = 0;      // bytes of address space reserved
  uint64_t mapped_ = 0;        // bytes of the file mapped (and allocated on disk)
  uint64_t tail_ = 0;          // bytes used
  mutable std::mutex mutex_;
  PageWarmer warmer_;  // faults in what grow() maps, ahead of the writers
};

// Large tensor values go beside the spool, in <spool>.values, written with
// O_DIRECT straight from the tensor's own memory: on this kind of VM every
// new page-cache page costs about 2.5 s per GiB (the spool's mapping paid it
// for every value copied in), while a direct write of the same bytes runs at
// the disk's speed and needs no copy. A value's first byte lands at the same
// offset within a 4 KiB block as it has in memory, so that its whole blocks
// are written from the pages that hold it (its first and last, shared with
// other memory, through a block of the writer's own). A TENSOR record then names the offset
// (`values_at`) instead of holding the bytes; it is committed only after the
// write returned, so a killed program leaves no record without its values.
// Where O_DIRECT is refused (tmpfs), the same writes go through the page cache.
inline std::string values_path(const std::string& spool_path) { return spool_path + ".values"; }
// Values at least this large go to the values file; smaller ones are copied
// into their TENSOR record (a block-sized write per small tensor would cost
// more than the copy).
inline constexpr uint64_t kValuesBesideBytes = uint64_t{64} << 10;

class ValuesAppender {
 public:
  // Creates (truncates) `path`. Throws TraceError naming the path.
  explicit ValuesAppender(const std::string& path);
  ~ValuesAppender();
  ValuesAppender(const ValuesAppender&) = delete;
  ValuesAppender& operator=(const ValuesAppender&) = delete;

  // Where a value goes: `span` bytes of whole blocks from file offset
  // `start`, the value's first byte at `value_at` (`lead` bytes in).
  struct Region {
    const std::byte* data = nullptr;
    uint64_t nbytes = 0;
    uint64_t lead = 0;
    uint64_t start = 0;
    uint64_t span = 0;
    uint64_t value_at = 0;
  };
  // Claims the file space for `nbytes` at `data`. Throws TraceError (ulimit -f).
  Region reserve(const void* data, uint64_t nbytes);
  // Writes a claimed region; the memory must hold the value until it returns.
  // May be called from any thread. Throws TraceError (disk full).
  void write(const Region& region);
  // Both: returns the file offset of the value's first byte.
  uint64_t write(const void* data, uint64_t nbytes) {
    const Region region = reserve(data, nbytes);
    write(region);
    return region.value_at;
  }
  uint64_t used() const;
  void close();

 private:
  // `length` bytes from block-aligned `from` at block-aligned `at`.
  void write_blocks(const std::byte* from, uint64_t length, uint64_t at, uint64_t value_bytes);

  std::string path_;
  int fd_ = -1;
  int retired_fd_ = -1;  // the O_DIRECT descriptor, after a fall back to the page cache
  bool direct_ = false;
  uint64_t tail_ = 0;
  mutable std::mutex mutex_;
};

// The whole values file in memory (read with O_DIRECT where it can be: a
// page-cache read would pay the new-page cost again); empty when absent.
class ValuesImage {
 public:
  explicit ValuesImage(const std::string& path);  // throws TraceError if unreadable
  ~ValuesImage();
  ValuesImage(const ValuesImage&) = delete;
  ValuesImage& operator=(const ValuesImage&) = delete;
  const std::byte* data() const { return data_; }
  uint64_t size() const { return size_; }
  bool exists() const { return exists_; }

 private:
  std::byte* data_ = nullptr;
  uint64_t size_ = 0;
  uint64_t capacity_ = 0;
  bool exists_ = false;
};

struct SpoolRecord {
  RecordType type;
  const std::byte* payload;
  uint64_t length;
  uint64_t offset;  // of the record header in the file
};

// Reads the valid records of a spool, in file order.
class SpoolScanner {
 public:
  // Throws TraceError if `path` is not a readable TapML spool.
  explicit SpoolScanner(const std::string& path);
  ~SpoolScanner();
  SpoolScanner(const SpoolScanner&) = delete;
  SpoolScanner& operator=(const SpoolScanner&) = delete;

  // The next valid record; false at the end record or where reading stops.
  bool next(SpoolRecord& record);
  bool saw_end() const { return saw_end_; }
  // Why reading stopped when no end record was met.
  const std::string& stop_reason() const { return stop_reason_; }
  int64_t skipped_pending() const { return skipped_pending_; }

 private:
  std::string path_;
  const std::byte* data_ = nullptr;
  uint64_t size_ = 0;
  uint64_t pos_ = kSpoolHeaderBytes;
  bool saw_end_ = false;
  bool stopped_ = false;
  std::string stop_reason_;
  int64_t skipped_pending_ = 0;
};

}  // namespace tapml::store
