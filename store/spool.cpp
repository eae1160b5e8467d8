#include "store/spool.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "store/trace.h"

namespace tapml::store {

namespace {

constexpr char kFileMagic[8] = {'T', 'A', 'P', 'S', 'P', 'O', 'O', 'L'};
constexpr uint64_t kMiB = uint64_t{1} << 20;
constexpr uint64_t kGiB = uint64_t{1} << 30;

std::string errno_text(int err) { return std::strerror(err); }

uint32_t load_u32(const std::byte* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

uint64_t load_u64(const std::byte* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// The magic is published last, with release order, so that a reader of the
// mapping never sees a valid magic before the fields it vouches for.
void publish_magic(std::byte* header, uint32_t magic) {
  std::atomic_ref<uint32_t>(*reinterpret_cast<uint32_t*>(header))
      .store(magic, std::memory_order_release);
}

// The largest file size this process may write: past RLIMIT_FSIZE the kernel
// answers with SIGXFSZ, which kills a program that did not ignore it, so the
// spool stops below the limit instead of reaching it.
uint64_t file_size_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_FSIZE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) {
    return UINT64_MAX;
  }
  return static_cast<uint64_t>(limit.rlim_cur);
}

}  // namespace

SpoolAppender::SpoolAppender(const std::string& path) : path_(path) {
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) throw TraceError(path + ": cannot create the spool: " + errno_text(errno));
  // Reserve address space once, then map the file into it piece by piece as
  // it grows: mappings never move, so threads may copy outside the lock.
  for (uint64_t size = uint64_t{4} << 40; size >= 16 * kGiB; size /= 2) {
    void* p = ::mmap(nullptr, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p != MAP_FAILED) {
      base_ = static_cast<std::byte*>(p);
      reserved_ = size;
      break;
    }
  }
  if (!base_) {
    ::close(fd_);
    throw TraceError(path + ": cannot reserve address space for the spool");
  }
  std::lock_guard lock(mutex_);
  grow(kSpoolHeaderBytes);
  std::memcpy(base_, kFileMagic, sizeof kFileMagic);
  std::memcpy(base_ + 8, &kSpoolVersion, sizeof kSpoolVersion);
  tail_ = kSpoolHeaderBytes;
}

SpoolAppender::~SpoolAppender() {
  try {
    close();
  } catch (...) {
  }
}

void SpoolAppender::grow(uint64_t needed) {
  if (needed <= mapped_) return;
  if (needed > reserved_) throw TraceError(path_ + ": the spool outgrew its address space");
  constexpr uint64_t kPage = 4096;
  const uint64_t limit = std::min(file_size_limit() & ~(kPage - 1), reserved_);
  if (needed > limit) {
    throw TraceError(path_ + ": the spool reached the file-size limit (ulimit -f) of " +
                     std::to_string(limit) + " bytes");
  }
  uint64_t step = std::clamp<uint64_t>(mapped_ / 4, 16 * kMiB, kGiB);
  uint64_t target = std::max(needed, mapped_ + step);
  target = std::min((target + 2 * kMiB - 1) & ~(2 * kMiB - 1), limit);
  int err =
      ::posix_fallocate(fd_, static_cast<off_t>(mapped_), static_cast<off_t>(target - mapped_));
  if (err != 0 && target > needed) {
    // Not room for a whole step (a nearly full disk): take just what this
    // record needs, so every record that fits is still written.
    target = (needed + kPage - 1) & ~(kPage - 1);
    err = ::posix_fallocate(fd_, static_cast<off_t>(mapped_), static_cast<off_t>(target - mapped_));
  }
  if (err != 0) {
    throw TraceError(path_ + ": cannot grow the spool to " + std::to_string(target) +
                     " bytes: " + errno_text(err));
  }
  void* p = ::mmap(base_ + mapped_, target - mapped_, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_FIXED, fd_, static_cast<off_t>(mapped_));
  if (p == MAP_FAILED) throw TraceError(path_ + ": cannot map the spool: " + errno_text(errno));
  warmer_.warm(base_ + mapped_, target - mapped_);
  mapped_ = target;
}

SpoolAppender::Slot SpoolAppender::reserve(RecordType type, uint64_t length) {
  std::lock_guard lock(mutex_);
  if (fd_ < 0) throw TraceError(path_ + ": the spool is closed");
  if (length > reserved_) throw TraceError(path_ + ": record too large for the spool");
  uint64_t end = tail_ + kRecordHeaderBytes + pad8(length);
  if (end > mapped_) {
    // Map a step beyond this record, so that the warmer is ahead of the
    // writers; near a full disk or the file-size limit, just this record.
    try {
      grow(end + std::clamp<uint64_t>(mapped_ / 4, 16 * kMiB, 256 * kMiB));
    } catch (const TraceError&) {
      grow(end);
    }
  }
  Slot slot{base_ + tail_, base_ + tail_ + kRecordHeaderBytes, length};
  const auto type_code = static_cast<uint32_t>(type);
  std::memcpy(slot.header + 4, &type_code, 4);
  std::memcpy(slot.header + 8, &length, 8);
  publish_magic(slot.header, kPendingMagic);
  tail_ = end;
  return slot;
}

void SpoolAppender::commit(const Slot& slot) {
  uint64_t checksum = XXH3_64bits(slot.payload, slot.length);
  std::memcpy(slot.header + 16, &checksum, 8);
  publish_magic(slot.header, kRecordMagic);
}

void SpoolAppender::append(RecordType type, const void* payload, uint64_t length) {
  Slot slot = reserve(type, length);
  if (length > 0) std::memcpy(slot.payload, payload, length);
  commit(slot);
}

uint64_t SpoolAppender::used() const {
  std::lock_guard lock(mutex_);
  return tail_;
}

void SpoolAppender::close() {
  std::lock_guard lock(mutex_);
  if (fd_ < 0) return;
  warmer_.stop();  // before its ranges are unmapped
  ::munmap(base_, reserved_);
  base_ = nullptr;
  int rc = ::ftruncate(fd_, static_cast<off_t>(tail_));
  int err = errno;
  ::close(fd_);
  fd_ = -1;
  if (rc != 0) throw TraceError(path_ + ": cannot truncate the spool: " + errno_text(err));
}

SpoolScanner::SpoolScanner(const std::string& path) : path_(path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw TraceError(path + ": cannot open the spool: " + errno_text(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw TraceError(path + ": not a regular file");
  }
  size_ = static_cast<uint64_t>(st.st_size);
  if (size_ >= kSpoolHeaderBytes) {
    void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      int err = errno;
      ::close(fd);
      throw TraceError(path + ": cannot map the spool: " + errno_text(err));
    }
    data_ = static_cast<const std::byte*>(p);
  }
  ::close(fd);
  if (!data_ || std::memcmp(data_, kFileMagic, sizeof kFileMagic) != 0) {
    throw TraceError(path + ": not a TapML spool (no TAPSPOOL header)");
  }
  if (load_u32(data_ + 8) != kSpoolVersion) {
    throw TraceError(path + ": spool version " + std::to_string(load_u32(data_ + 8)) +
                     " is not the version this TapML reads (" + std::to_string(kSpoolVersion) +
                     ")");
  }
}

SpoolScanner::~SpoolScanner() {
  if (data_) ::munmap(const_cast<std::byte*>(data_), size_);
}

bool SpoolScanner::next(SpoolRecord& record) {
  while (!stopped_) {
    auto stop = [&](std::string why) {
      stopped_ = true;
      stop_reason_ = std::move(why);
      return false;
    };
    const std::string at = " at byte " + std::to_string(pos_);
    if (size_ - pos_ < kRecordHeaderBytes) {
      return stop("the spool ends without its end record" + at + " (the program did not close it)");
    }
    const std::byte* header = data_ + pos_;
    const uint32_t magic = load_u32(header);
    const uint32_t type = load_u32(header + 4);
    const uint64_t length = load_u64(header + 8);
    const uint64_t room = size_ - pos_ - kRecordHeaderBytes;
    if (magic == 0 && type == 0 && length == 0) {
      return stop("the spool ends without its end record" + at + " (the program did not close it)");
    }
    if ((magic != kRecordMagic && magic != kPendingMagic) || type < 1 ||
        type > static_cast<uint32_t>(RecordType::Row)) {
      return stop("bad record header" + at);
    }
    if (length > room) return stop("record" + at + " is truncated");
    const uint64_t next_pos = pos_ + kRecordHeaderBytes + std::min(pad8(length), room);
    if (magic == kPendingMagic) {  // its writer died while filling it
      ++skipped_pending_;
      pos_ = next_pos;
      continue;
    }
    const std::byte* payload = header + kRecordHeaderBytes;
    if (XXH3_64bits(payload, length) != load_u64(header + 16)) {
      return stop("checksum mismatch in the record" + at);
    }
    record = {static_cast<RecordType>(type), payload, length, pos_};
    pos_ = next_pos;
    if (record.type == RecordType::End) {
      saw_end_ = true;
      stopped_ = true;
      return false;
    }
    return true;
  }
  return false;
}

namespace {

constexpr uint64_t kBlock = 4096;  // O_DIRECT alignment of memory, length and offset

uint64_t round_up(uint64_t n, uint64_t to) { return (n + to - 1) / to * to; }

}  // namespace

ValuesAppender::ValuesAppender(const std::string& path) : path_(path) {
  constexpr int kFlags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC;
  fd_ = ::open(path.c_str(), kFlags | O_DIRECT, 0644);
  direct_ = fd_ >= 0;
  if (fd_ < 0 && errno == EINVAL) fd_ = ::open(path.c_str(), kFlags, 0644);
  if (fd_ < 0) throw TraceError(path + ": cannot create the values file: " + errno_text(errno));
}

ValuesAppender::~ValuesAppender() { close(); }

ValuesAppender::Region ValuesAppender::reserve(const void* data, uint64_t nbytes) {
  // Whole blocks, the value's first byte at its offset within a block in
  // memory (`lead`), so that all blocks but its first and last are written
  // straight from the pages that hold it.
  Region region;
  region.data = static_cast<const std::byte*>(data);
  region.lead = reinterpret_cast<uintptr_t>(data) % kBlock;
  region.span = round_up(region.lead + nbytes, kBlock);
  region.nbytes = nbytes;
  std::lock_guard lock(mutex_);
  if (fd_ < 0) throw TraceError(path_ + ": the values file is closed");
  region.start = round_up(tail_, kBlock);
  const uint64_t limit = file_size_limit();
  if (region.start + region.span > limit) {
    throw TraceError(path_ + ": the values file reached the file-size limit (ulimit -f) of " +
                     std::to_string(limit) + " bytes");
  }
  tail_ = region.start + region.span;
  region.value_at = region.start + region.lead;
  return region;
}

void ValuesAppender::write(const Region& region) {
  // The value's first and last blocks, which it shares with other memory,
  // go through a block of our own: nothing outside the value is read.
  alignas(kBlock) thread_local std::byte edge[kBlock];
  const std::byte* value = region.data;
  uint64_t left = region.nbytes;
  uint64_t at = region.start;
  if (region.lead != 0) {
    const uint64_t head = std::min(left, kBlock - region.lead);
    std::memset(edge, 0, kBlock);
    std::memcpy(edge + region.lead, value, head);
    write_blocks(edge, kBlock, at, region.nbytes);
    value += head;
    left -= head;
    at += kBlock;
  }
  const uint64_t middle = left / kBlock * kBlock;  // `value` is block-aligned here
  if (middle > 0) write_blocks(value, middle, at, region.nbytes);
  if (left > middle) {
    std::memset(edge, 0, kBlock);
    std::memcpy(edge, value + middle, left - middle);
    write_blocks(edge, kBlock, at + middle, region.nbytes);
  }
}

void ValuesAppender::write_blocks(const std::byte* from, uint64_t length, uint64_t at,
                                  uint64_t value_bytes) {
  int fd = -1;
  {
    std::lock_guard lock(mutex_);
    if (fd_ < 0) throw TraceError(path_ + ": the values file is closed");
    fd = fd_;
  }
  for (uint64_t done = 0; done < length;) {
    const ssize_t n = ::pwrite(fd, from + done, length - done, static_cast<off_t>(at + done));
    if (n > 0) {
      done += static_cast<uint64_t>(n);
      continue;
    }
    const int err = n == 0 ? ENOSPC : errno;
    if (err == EINTR) continue;
    std::lock_guard lock(mutex_);
    if (err == EINVAL && direct_ && fd_ >= 0) {
      // The file system takes O_DIRECT but not these blocks: write through
      // the page cache from now on.
      const int buffered = ::open(path_.c_str(), O_WRONLY | O_CLOEXEC);
      if (buffered >= 0) {
        retired_fd_ = fd_;  // another thread may be writing through it: closed at close()
        fd = fd_ = buffered;
        direct_ = false;
        continue;
      }
    }
    throw TraceError(path_ + ": cannot write " + std::to_string(value_bytes) +
                     " bytes of tensor values: " + errno_text(err));
  }
}

uint64_t ValuesAppender::used() const {
  std::lock_guard lock(mutex_);
  return tail_;
}

void ValuesAppender::close() {
  std::lock_guard lock(mutex_);
  for (int* fd : {&fd_, &retired_fd_}) {
    if (*fd >= 0) ::close(*fd);
    *fd = -1;
  }
}

ValuesImage::ValuesImage(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_DIRECT);
  if (fd < 0 && errno == EINVAL) fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) return;
  if (fd < 0) throw TraceError(path + ": cannot open the values file: " + errno_text(errno));
  exists_ = true;
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw TraceError(path + ": the values file is not a regular file");
  }
  size_ = static_cast<uint64_t>(st.st_size);
  capacity_ = round_up(size_, kBlock);
  if (capacity_ > 0) {
    data_ = static_cast<std::byte*>(std::aligned_alloc(kBlock, capacity_));
    if (!data_) {
      ::close(fd);
      throw TraceError(path + ": no memory for the values file's " + std::to_string(size_) +
                       " bytes");
    }
  }
  constexpr uint64_t kPiece = uint64_t{64} << 20;
  uint64_t done = 0;
  while (done < size_) {
    const ssize_t n =
        ::pread(fd, data_ + done, std::min(kPiece, capacity_ - done), static_cast<off_t>(done));
    if (n > 0) {
      done += static_cast<uint64_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && errno == EINVAL) {
      ::close(fd);  // O_DIRECT refused for this read: go on through the page cache
      fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) break;
    } else {
      break;
    }
  }
  const int err = errno;
  if (fd >= 0) ::close(fd);
  if (done < size_) {
    throw TraceError(path + ": cannot read the values file: " +
                     (done == 0 && err != 0 ? errno_text(err) : "it ends early"));
  }
}

ValuesImage::~ValuesImage() { std::free(data_); }

}  // namespace tapml::store
