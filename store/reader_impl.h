// The HDF5 TraceReader, visible to copy_subset (which copies stored
// tensors without decoding them).
#pragma once

#include <functional>
#include <memory>
#include <mutex>

#include "store/call_table.h"
#include "store/h5_io.h"
#include "store/heap_guard.h"
#include "store/reader.h"

namespace tapml::store {

class H5TraceReader final : public TraceReader {
 public:
  explicit H5TraceReader(const std::string& path);

  const std::string& path() const override { return path_; }
  const TraceMeta& meta() const override { return meta_; }
  size_t num_calls() const override { return num_calls_; }
  Call call(size_t index) const override;
  std::vector<StoredTensor> tensors() const override;
  StoredTensor tensor_info(const std::string& hash) const override;
  std::vector<std::byte> read_tensor(const std::string& hash) const override;
  std::map<std::string, OpStats> op_stats() const override;
  std::vector<std::string> verify() const override;

  hid_t file_id() const { return file_; }
  // Visits every call row in order, reading in batches.
  void for_each_row(const std::function<void(const CallRow&)>& visit) const;

 protected:
  std::vector<TraceProblem> verify_all_with(const VerifyProgress& progress) const override;

 private:
  struct OpenTensor {
    H5Id dataset;
    StoredTensor info;
  };
  OpenTensor open_tensor(const std::string& hash) const;
  void open_view(OpenTensor& t, const std::string& base_hash, hid_t space) const;
  std::vector<CallRow> rows(size_t start, size_t count) const;  // guarded read
  std::vector<std::string> tensor_names() const;

  std::string path_;
  H5Id file_, tensors_, calls_;
  TraceMeta meta_;
  size_t num_calls_ = 0;
  std::unique_ptr<GlobalHeapGuard> guard_;
  // call() reads rows a batch at a time: each H5Dread of /calls costs as much
  // for one row as for thousands (HDF5 allocates its conversion buffers), and
  // callers walk the calls in order.
  mutable std::mutex batch_mutex_;
  mutable size_t batch_start_ = 0;
  mutable std::vector<CallRow> batch_;
};

}  // namespace tapml::store
