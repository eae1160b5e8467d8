// A small fixed-size block in a MAP_SHARED file (`<output>.progress`) that the
// recording process updates after every call and tapml-record reads for its
// progress line. Creating it with O_EXCL is also how one process claims the
// recording: children of the program that load the interposer too find the
// file there and stay quiet.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

namespace tapml::recorder {

enum class RecordState : int32_t {
  kRecording = 0,
  kClosed = 1,   // the interposer closed the spool (normal exit or stop)
  kStopped = 2,  // the writer failed (e.g. disk full): recording stopped, `error` says why
};

struct ProgressBlock {
  static constexpr uint64_t kMagic = 0x5441504d4c505231ull;  // "TAPMLPR1"
  uint64_t magic;
  int32_t pid;
  std::atomic<int32_t> state;
  std::atomic<int64_t> calls_seen;
  std::atomic<int64_t> calls_stored;
  std::atomic<int64_t> tensors;
  std::atomic<int64_t> bytes_written;
  std::atomic<int64_t> raw_bytes;
  std::atomic<int64_t> referenced_bytes;
  char error[512];
};

static_assert(std::atomic<int64_t>::is_always_lock_free, "the block is shared between processes");

class ProgressFile {
 public:
  // Creates the file exclusively; nullptr if it exists already (another
  // process claimed the recording). Throws std::runtime_error on other errors.
  static std::unique_ptr<ProgressFile> create(const std::string& path);
  // Maps an existing file read-only; nullptr if absent or not a progress block.
  static std::unique_ptr<ProgressFile> open(const std::string& path);
  ~ProgressFile();
  ProgressFile(const ProgressFile&) = delete;
  ProgressFile& operator=(const ProgressFile&) = delete;

  ProgressBlock& block() { return *block_; }
  const ProgressBlock& block() const { return *block_; }
  void set_error(const std::string& message);

 private:
  explicit ProgressFile(ProgressBlock* block) : block_(block) {}
  ProgressBlock* block_;
};

inline std::string progress_path(const std::string& output) { return output + ".progress"; }
inline std::string spool_path(const std::string& output) { return output + ".spool"; }
// One line a recorded program (the Python boot) leaves for tapml-record.
inline std::string error_path(const std::string& output) { return output + ".error"; }

// The exit code of a Python program that the boot stopped because its torch
// differs from the interposer's.
inline constexpr int kTorchMismatchExit = 86;

}  // namespace tapml::recorder
