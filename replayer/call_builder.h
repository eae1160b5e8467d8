// Turning a recorded call (store::Call) into a call a backend kernel runs
// (backends::KernelCall). Each input tensor is uploaded into a buffer laid out
// as the call saw it (strides, storage offset), every element outside the
// view poisoned; each output is allocated with its recorded layout and
// poisoned, so an element a kernel leaves unwritten is caught. In-place and
// out= calls write into the input they alias. Read-only inputs that later
// calls use again (weights) are uploaded once.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "backends/backend.h"
#include "store/reader.h"
#include "store/trace.h"

namespace tapml::replay {

// A recorded output to compare after the run.
struct ExpectedOutput {
  std::string name;            // the return's name ("result", "out")
  store::TensorMeta recorded;  // recorded layout and the hash of its values
  size_t kernel_output = 0;    // index into KernelCall::outputs
  // Index into store::Call::outputs; kNotAReturn for an element of a list.
  size_t recorded_output = 0;
  static constexpr size_t kNotAReturn = static_cast<size_t>(-1);
};

struct BuiltCall {
  backends::KernelCall call;
  std::vector<ExpectedOutput> expected;
  // Non-empty: the call cannot be expressed as a KernelCall (an argument kind
  // no kernel takes); reported as UNSUPPORTED.
  std::string unsupported;
  // Non-empty: the trace lacks values this call needs (not captured); the call
  // is not run.
  std::string not_runnable;
  size_t input_bytes = 0;  // bytes of the recorded input values
  // A backend-specific op replayed as its portable op whose tensors are laid
  // out otherwise ([B, L, H, E] attention): the call the kernel gets, `call`
  // with those views transposed; `call` keeps the recorded layouts for the
  // comparison. Empty when the kernel gets `call` itself.
  std::optional<backends::KernelCall> kernel_call;
  const backends::KernelCall& for_kernel() const { return kernel_call ? *kernel_call : call; }
};

// Why the replayer does not run a call: it duplicates an earlier one, or its
// values were not captured. Empty when it can run.
std::string skip_reason(const store::Call& call);

// torch's and TapML's names of a dtype: "float32", "torch.float32", "Float".
std::optional<DType> scalar_type_from_text(const std::string& text);

class CallBuilder {
 public:
  // Without a trace and device: metadata only (tensors have no buffer), which
  // is all KernelTable::select needs.
  CallBuilder() = default;
  CallBuilder(const store::TraceReader& trace, backends::Device& device);

  BuiltCall build(const store::Call& call);

  // Announces that `call` will be built later; read-only inputs announced
  // more than once stay uploaded until their last announced use.
  void expect_uses(const store::Call& call);
  // Takes back one announcement of `call` that no build will use (a call
  // that stopped before its last run), freeing what only it kept uploaded.
  void forget_uses(const store::Call& call);
  size_t cached_bytes() const { return cached_bytes_; }

 private:
  struct CacheEntry {
    backends::Tensor tensor;
    int remaining = 0;
  };

  backends::Tensor tensor_for(const store::TensorMeta& meta, bool with_values, bool cacheable,
                              BuiltCall& built);
  backends::Tensor make_tensor(const store::TensorMeta& meta, bool with_values);
  backends::Value convert(const store::Arg& arg, bool written, BuiltCall& built);
  // Calls fn(cache key) for each read-only input of `call` whose values were captured.
  template <typename Fn>
  void for_each_cacheable(const store::Call& call, Fn&& fn) const;

  const store::TraceReader* trace_ = nullptr;
  backends::Device* device_ = nullptr;
  std::map<std::string, int> announced_;  // cache key -> announced uses still to come
  std::map<std::string, CacheEntry> cache_;
  size_t cached_bytes_ = 0;
};

}  // namespace tapml::replay
