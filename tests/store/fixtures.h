// Shared pieces of the store tests: a scratch folder, tensors of every dtype,
// and calls with every argument kind.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "store/trace.h"
#include "store/writer.h"

namespace tapml::store::testing {

// A fresh folder under the test temp dir, removed at destruction.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

struct SampleTensor {
  DType dtype;
  std::vector<int64_t> sizes;
  std::vector<std::byte> bytes;
  std::string hash;
  std::string view_of;        // a permuted view: its base's hash
  std::vector<int64_t> dims;  // and base.permute(dims)
  TensorMeta meta() const;    // contiguous layout, captured
};

// Deterministic values (`seed` varies them) of the given dtype and sizes.
SampleTensor make_tensor(DType dtype, std::vector<int64_t> sizes, uint32_t seed);
// base.permute(dims), to be stored as a view of `base`.
SampleTensor make_view(const SampleTensor& base, const std::vector<int64_t>& dims);

TraceMeta sample_meta();

// A call whose inputs hold one argument of every ValueKind; `tensors` are
// referenced by its tensor and tensor-list arguments.
Call call_with_every_kind(int64_t seq, const std::vector<SampleTensor>& tensors);

// Puts the tensors a call references and the call (a view's base must be
// put before the view).
void put_call_with(TraceWriter& writer, const Call& call,
                   const std::vector<const SampleTensor*>& tensors);

}  // namespace tapml::store::testing
