// Writes one HDF5 trace file (docs/trace-format.md): the metadata as root
// attributes, tensors under /tensors (shuffle + zstd chunks encoded by a
// thread pool and written with H5Dwrite_chunk), the /calls table. Used by
// finish_trace and copy_subset. The file is written as `<path>.partial` and
// renamed to `path` by commit(), so a trace file is never half-written.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "store/call_table.h"
#include "store/h5_io.h"
#include "store/trace.h"

namespace tapml::store {

struct TensorSource {
  std::string hash;
  DType dtype = DType::Float32;
  std::vector<int64_t> sizes;
  const std::byte* data = nullptr;  // contiguous values, nbytes of them
  // A permuted view (store/permuted_view.h): its base's hash and dims, no data.
  std::string view_of;
  std::vector<int64_t> dims;
};

class TraceFileWriter {
 public:
  TraceFileWriter(const std::string& path, const TraceMeta& meta, int level, size_t chunk_bytes);
  ~TraceFileWriter();

  // Views' bases must be written too (before or in the same call).
  void write_tensors(const std::vector<TensorSource>& tensors);
  // Copies /tensors/<hash> of another open trace as it is stored (no recompression).
  void copy_tensor(hid_t source_file, const std::string& hash);
  // Writes `count` calls; row(i) gives row i (its seq must be i).
  void write_calls(size_t count, const std::function<CallRow(size_t)>& row);
  // Closes the file and renames it into place.
  void commit();

 private:
  std::string path_, partial_;
  int level_;
  size_t chunk_bytes_;
  H5Id file_, tensors_;
  bool committed_ = false;
};

}  // namespace tapml::store
