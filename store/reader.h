// Reading a trace: metadata, calls by index, tensors by hash, per-op
// statistics, and copying a chosen subset of calls to a new trace.
// Every defect of the file (not HDF5, truncated, wrong format version,
// missing group, hash mismatch, absurd shapes) is a TraceError whose message
// names the file and the defect; nothing here aborts or hangs on bad input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "store/trace.h"

namespace tapml::store {

struct StoredTensor {
  std::string hash;
  DType dtype = DType::Float32;
  std::vector<int64_t> sizes;
  size_t nbytes = 0;        // uncompressed
  size_t stored_bytes = 0;  // on disk, compressed (0 for a view)
  // A permuted view (store/permuted_view.h): its base's hash and dims.
  std::string view_of;
  std::vector<int64_t> dims;
};

struct OpStats {
  int64_t calls = 0;
  int64_t captured = 0;
  int64_t signatures = 0;    // distinct (dtypes, sizes) input signatures
  int64_t tensor_bytes = 0;  // bytes of the tensors its captured calls reference
};

// One defect found by verify_all: `what` is a tensor hash or "call N".
struct TraceProblem {
  std::string what;
  std::string problem;
};

class TraceReader {
 public:
  // Opens and validates the file's structure. Throws TraceError.
  static std::unique_ptr<TraceReader> open(const std::string& path);
  virtual ~TraceReader() = default;

  virtual const std::string& path() const = 0;
  virtual const TraceMeta& meta() const = 0;
  virtual size_t num_calls() const = 0;
  virtual Call call(size_t index) const = 0;  // index == seq
  virtual std::vector<StoredTensor> tensors() const = 0;
  virtual StoredTensor tensor_info(const std::string& hash) const = 0;
  // Contiguous values of a stored tensor (a view's are its base's, permuted);
  // their hash is checked. Throws TraceError if absent or corrupt.
  virtual std::vector<std::byte> read_tensor(const std::string& hash) const = 0;
  virtual std::map<std::string, OpStats> op_stats() const = 0;  // keyed by full op name
  // Recomputes every tensor's hash; returns the hashes that do not match
  // (or cannot be read).
  virtual std::vector<std::string> verify() const = 0;
  // verify() plus every call row: it parses, its seq is its index, and every
  // tensor it references is stored. Each defect with its reason. `progress`
  // is told (done, total) as tensors, then calls, are checked.
  using VerifyProgress = std::function<void(size_t done, size_t total)>;
  std::vector<TraceProblem> verify_all(const VerifyProgress& progress = {}) const {
    return verify_all_with(progress);
  }

 protected:
  virtual std::vector<TraceProblem> verify_all_with(const VerifyProgress& progress) const = 0;
};

// Writes a new trace holding the calls with the given seqs (renumbered from 0,
// parents remapped or -1) and only the tensors they reference, with the
// original metadata plus a note of where it came from.
void copy_subset(const TraceReader& source, const std::vector<int64_t>& seqs,
                 const std::string& out_path);

}  // namespace tapml::store
