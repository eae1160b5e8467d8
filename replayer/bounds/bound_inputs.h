// What a forward bound reads of a recorded call: its arguments by schema
// name (so one bound serves every overload that names them alike:
// aten::sum, sum.dim_IntList and sum.IntList_out), its tensors' absolute
// values, and the device the reference ran on, which decides the dtype torch
// accumulated in (TF32 convolutions and reduced-precision half GEMMs on CUDA).
// Internal to replayer/bounds/.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "replayer/bounds/forward_bound.h"

namespace tapml::replay::bounds {

// One side's error bound of every element of one output, before the safety
// factor and the output's rounding.
struct PerSide {
  std::string rule;
  int64_t terms = 0;
  double unit_roundoff = 0;
  std::vector<double> bound;  // empty from a shapes-only pass
  // From a shapes-only pass: c with bound[i] >= c·|result[i]| (a sum of
  // magnitudes is at least the magnitude of the sum).
  double relative = 0;
};

class BoundInputs {
 public:
  // Without `values`: shapes only (families that can say `relative` from
  // shapes do, the others return nullopt).
  // With `wanted`, a family may compute only those output elements (flat
  // indices) and leave the others 0: the caller has judged them already.
  BoundInputs(const store::Call& call, const TensorValues* values,
              const std::vector<int64_t>* wanted = nullptr)
      : call_(call), values_(values), wanted_(wanted) {}

  const store::Call& call() const { return call_; }
  bool shapes_only() const { return values_ == nullptr; }
  const std::vector<int64_t>* wanted() const { return wanted_; }
  // The first input named one of `names` that holds a tensor with values.
  const store::TensorMeta* tensor(std::initializer_list<std::string_view> names) const;
  // |x| of a tensor, contiguous row-major over its sizes.
  std::vector<double> magnitudes(const store::TensorMeta& tensor) const;
  std::vector<double> values(const store::TensorMeta& tensor) const { return (*values_)(tensor); }
  // Scalars and lists by name; nullopt when absent or None.
  std::optional<int64_t> integer(std::string_view name) const;
  std::optional<double> number(std::string_view name) const;  // int, float or bool
  std::optional<bool> flag(std::string_view name) const;
  std::optional<std::vector<int64_t>> integers(std::string_view name) const;  // int or int[]
  std::optional<std::string> text(std::string_view name) const;
  // The recorded output `index` (returns in schema order), if a tensor.
  const store::TensorMeta* output(size_t index) const;
  // Whether the reference ran on CUDA (any tensor input lives there).
  bool recorded_on_cuda() const;

 private:
  const store::Arg* input(std::string_view name) const;

  const store::Call& call_;
  const TensorValues* values_;
  const std::vector<int64_t>* wanted_;
};

// γ(n) = n·u / (1 - n·u): the relative error bound of a sum of n terms;
// infinite when n·u >= 1/2 (no useful bound).
double gamma(int64_t n, double u);
// The unit roundoff of `dtype` (2^-24 for float32).
double unit_roundoff(DType dtype);
// The dtype torch's reference accumulates a reduction of `input` in:
// float64 for float64, float32 for everything else (half types included).
double reduction_roundoff(DType input);
// The same for matrix products and attention: float32 for half inputs on the
// CPU; on CUDA cuBLAS may reduce half products in half precision
// (allow_fp16/bf16_reduced_precision_reduction default to true).
double product_roundoff(DType input, bool on_cuda);
int64_t numel(const std::vector<int64_t>& sizes);
// Strides (in elements) that read `in_sizes` broadcast to `out_sizes`
// (right-aligned, 0 along broadcast dimensions).
std::vector<int64_t> broadcast_strides(const std::vector<int64_t>& in_sizes,
                                       const std::vector<int64_t>& out_sizes);
// Flat indices of `values` (broadcast to `out_sizes` by `strides`), in the
// row-major order of `out_sizes`.
std::vector<double> broadcast(const std::vector<double>& values,
                              const std::vector<int64_t>& in_sizes,
                              const std::vector<int64_t>& out_sizes);

// The bounds of each family (one file each).
std::optional<PerSide> sum_bound(const BoundInputs& in, size_t output);
std::optional<PerSide> mean_bound(const BoundInputs& in, size_t output);
std::optional<PerSide> cumsum_bound(const BoundInputs& in, size_t output);
std::optional<PerSide> matmul_bound(const BoundInputs& in, size_t output);
std::optional<PerSide> convolution_bound(const BoundInputs& in, size_t output);
std::optional<PerSide> attention_bound(const BoundInputs& in, size_t output);
std::optional<PerSide> layer_norm_bound(const BoundInputs& in, size_t output);
std::optional<PerSide> rms_norm_bound(const BoundInputs& in, size_t output);

}  // namespace tapml::replay::bounds
