#include "backends/vulkan/vulkan_primitives.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <initializer_list>
#include <limits>
#include <string>
#include <vector>

#include "backends/vulkan/vulkan_device.h"

namespace tapml::backends::vulkan {
namespace {

using Strides = std::vector<int64_t>;

// Rows at least this long get a whole workgroup each; shorter ones one invocation.
constexpr int64_t kCooperativeRow = 64;
// Products with at most this many rows take matmul.comp's row-stream variant.
constexpr int64_t kStreamRows = 8;

uint32_t to_u32(int64_t value, const char* what) {
  if (value < 0 || value > std::numeric_limits<uint32_t>::max()) {
    throw BackendError(std::string("vulkan: ") + what + " " + std::to_string(value) +
                       " is outside the 32-bit range the shaders index with");
  }
  return static_cast<uint32_t>(value);
}

void check_tensor(const Tensor& tensor) {
  if (tensor.dtype == DType::Complex64 || tensor.dtype == DType::Complex128) {
    throw BackendError("vulkan: dtype " + std::string(dtype_name(tensor.dtype)) +
                       " is not supported");
  }
  if (tensor.rank() > kMaxRank) {
    throw BackendError("vulkan: rank " + std::to_string(tensor.rank()) + " > " +
                       std::to_string(kMaxRank));
  }
  if (tensor.strides.size() != tensor.sizes.size()) {
    throw BackendError("vulkan: a tensor has " + std::to_string(tensor.strides.size()) +
                       " strides for " + std::to_string(tensor.sizes.size()) + " sizes");
  }
  if (!tensor.buffer) throw BackendError("vulkan: a tensor has no buffer");
}

bool is_floating(const Tensor& tensor) { return dtype_is_floating(tensor.dtype); }

bool any_floating(std::initializer_list<const Tensor*> tensors) {
  return std::any_of(tensors.begin(), tensors.end(),
                     [](const Tensor* tensor) { return is_floating(*tensor); });
}

int64_t product(const std::vector<int64_t>& sizes) {
  int64_t total = 1;
  for (int64_t size : sizes) total *= size;
  return total;
}

// Drops size-1 dims and merges neighbours that every operand walks
// contiguously, so that the shaders divide less; contiguous tensors become 1-d.
void merge_dims(std::vector<int64_t>& sizes, std::vector<Strides>& strides) {
  std::vector<int64_t> merged_sizes;
  std::vector<Strides> merged(strides.size());
  for (size_t d = 0; d < sizes.size(); ++d) {
    if (sizes[d] == 1) continue;
    bool joins = !merged_sizes.empty();
    for (size_t t = 0; t < strides.size() && joins; ++t) {
      joins = merged[t].back() == strides[t][d] * sizes[d];
    }
    if (joins) {
      merged_sizes.back() *= sizes[d];
      for (size_t t = 0; t < strides.size(); ++t) merged[t].back() = strides[t][d];
    } else {
      merged_sizes.push_back(sizes[d]);
      for (size_t t = 0; t < strides.size(); ++t) merged[t].push_back(strides[t][d]);
    }
  }
  sizes = std::move(merged_sizes);
  strides = std::move(merged);
}

TensorDesc make_desc(const Tensor& tensor, const std::vector<int64_t>& sizes,
                     const Strides& strides) {
  TensorDesc desc;
  desc.dtype = static_cast<uint32_t>(tensor.dtype);
  desc.offset = to_u32(tensor.offset, "offset");
  desc.rank = static_cast<uint32_t>(sizes.size());
  desc.numel = to_u32(product(sizes), "element count");
  for (size_t d = 0; d < sizes.size(); ++d) {
    desc.sizes[d] = to_u32(sizes[d], "size");
    desc.strides[d] = to_u32(strides[d], "stride");
  }
  return desc;
}

Operand operand(const Tensor& tensor) {
  check_tensor(tensor);
  return {&tensor, make_desc(tensor, tensor.sizes, tensor.strides)};
}

Operand optional_operand(const std::optional<Tensor>& tensor) {
  return tensor ? operand(*tensor) : Operand{};
}

// Operands of an elementwise kernel: all with `out`'s sizes; nullptr binds nothing.
std::vector<Operand> elementwise_operands(std::initializer_list<const Tensor*> tensors,
                                          const Tensor& out) {
  std::vector<int64_t> sizes = out.sizes;
  std::vector<Strides> strides;
  for (const Tensor* tensor : tensors) {
    if (tensor == nullptr) {
      strides.push_back(Strides(sizes.size(), 0));
      continue;
    }
    check_tensor(*tensor);
    if (tensor->sizes != out.sizes) {
      throw BackendError("vulkan: elementwise operands must have the output's sizes");
    }
    strides.push_back(tensor->strides);
  }
  merge_dims(sizes, strides);
  std::vector<Operand> operands;
  size_t t = 0;
  for (const Tensor* tensor : tensors) {
    operands.push_back(tensor == nullptr ? Operand{}
                                         : Operand{tensor, make_desc(*tensor, sizes, strides[t])});
    ++t;
  }
  return operands;
}

float to_float(double value) {
  if (std::isfinite(value) && std::abs(value) > std::numeric_limits<float>::max()) {
    return value > 0 ? std::numeric_limits<float>::infinity()
                     : -std::numeric_limits<float>::infinity();
  }
  return static_cast<float>(value);
}

int64_t to_int64(double value) {
  if (std::isnan(value)) return 0;
  if (value >= 9.2233720368547758e18) return std::numeric_limits<int64_t>::max();
  if (value <= -9.2233720368547758e18) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(value);
}

uint32_t bug_flag(const char* name, uint32_t flag) { return planted_bug(name) ? flag : 0u; }

uint32_t int_math_flag(bool int_math) { return int_math ? kFlagIntMath : 0u; }

uint32_t ceil_div(int64_t value, int64_t divisor) {
  return to_u32((value + divisor - 1) / divisor, "group count");
}

}  // namespace

Device& VulkanPrimitives::device() { return device_; }

void VulkanPrimitives::unary(UnaryOp op, const Tensor& in, const Tensor& out, UnaryParams params) {
  check_tensor(out);
  if (out.numel() == 0) return;
  bool fill = op == UnaryOp::Fill;
  std::vector<Operand> operands = elementwise_operands({fill ? nullptr : &in, &out}, out);
  PushConstants push;
  Specialization spec;
  spec.op = static_cast<uint32_t>(op);
  spec.flags = int_math_flag(!is_floating(out) && (fill || !is_floating(in)));
  push.n = to_u32(out.numel(), "element count");
  push.fa = to_float(params.a);
  push.fb = to_float(params.b);
  push.ia = to_int64(params.a);
  push.ib = to_int64(params.b);
  device_.dispatch(Shader::Unary, spec, operands, push,
                   {device_.grid_groups(out.numel(), kElementwiseGroupSize)});
}

void VulkanPrimitives::binary(BinaryOp op, const Tensor& a, const Tensor& b, const Tensor& out,
                              double alpha) {
  check_tensor(out);
  if (out.numel() == 0) return;
  std::vector<Operand> operands = elementwise_operands({&a, &b, &out}, out);
  PushConstants push;
  Specialization spec;
  spec.op = static_cast<uint32_t>(op);
  spec.flags = int_math_flag(!any_floating({&a, &b, &out})) |
               bug_flag("binary-partial-write", kFlagBug) |
               (op == BinaryOp::Add && planted_bug_on_odd_dispatch("racy-add") ? kFlagBug2 : 0u);
  push.n = to_u32(out.numel(), "element count");
  push.fa = to_float(alpha);
  push.ia = to_int64(alpha);
  device_.dispatch(Shader::Binary, spec, operands, push,
                   {device_.grid_groups(out.numel(), kElementwiseGroupSize)});
}

void VulkanPrimitives::where(const Tensor& cond, const Tensor& a, const Tensor& b,
                             const Tensor& out) {
  check_tensor(out);
  if (out.numel() == 0) return;
  std::vector<Operand> operands = elementwise_operands({&cond, &a, &b, &out}, out);
  PushConstants push;
  Specialization spec;
  spec.flags = int_math_flag(!any_floating({&a, &b, &out}));
  push.n = to_u32(out.numel(), "element count");
  device_.dispatch(Shader::Where, spec, operands, push,
                   {device_.grid_groups(out.numel(), kElementwiseGroupSize)});
}

// Row kernels' mode and group count (shaders/rows.glsl): long rows get a
// workgroup each, short ones an invocation each.
static GroupCount set_row_mode(const VulkanDevice& device, PushConstants& push,
                               Specialization& spec, int64_t rows, int64_t row_length) {
  push.n = to_u32(rows, "row count");
  push.m = to_u32(row_length, "row length");
  bool cooperative = row_length >= kCooperativeRow;
  spec.mode = cooperative ? 0u : kModeRowPerInvocation;
  return {device.grid_groups(rows, cooperative ? 1u : kRowGroupSize)};
}

void VulkanPrimitives::reduce(ReduceOp op, const Tensor& in, int reduce_dims, const Tensor& out) {
  check_tensor(in);
  check_tensor(out);
  int64_t outer_rank = in.rank() - reduce_dims;
  if (reduce_dims < 0 || outer_rank < 0 || out.rank() != outer_rank) {
    throw BackendError("vulkan: reduce of " + std::to_string(reduce_dims) + " dims of a rank " +
                       std::to_string(in.rank()) + " tensor into rank " +
                       std::to_string(out.rank()));
  }
  std::vector<int64_t> outer(in.sizes.begin(), in.sizes.begin() + outer_rank);
  std::vector<int64_t> inner(in.sizes.begin() + outer_rank, in.sizes.end());
  std::vector<Strides> outer_strides{Strides(in.strides.begin(), in.strides.begin() + outer_rank),
                                     out.strides};
  std::vector<Strides> inner_strides{Strides(in.strides.begin() + outer_rank, in.strides.end())};
  int64_t rows = product(outer);
  int64_t extent = product(inner);
  if (rows == 0) return;
  merge_dims(outer, outer_strides);
  merge_dims(inner, inner_strides);
  std::vector<int64_t> in_sizes = outer;
  in_sizes.insert(in_sizes.end(), inner.begin(), inner.end());
  Strides in_strides = outer_strides[0];
  in_strides.insert(in_strides.end(), inner_strides[0].begin(), inner_strides[0].end());
  std::array<Operand, 2> operands{Operand{&in, make_desc(in, in_sizes, in_strides)},
                                  Operand{&out, make_desc(out, outer, outer_strides[1])}};
  PushConstants push;
  Specialization spec;
  spec.op = static_cast<uint32_t>(op);
  spec.flags = int_math_flag(!is_floating(in) && !is_floating(out)) |
               bug_flag("reduce-off-by-one", kFlagBug) | bug_flag("sum-fp16-accumulate", kFlagBug2);
  push.k = static_cast<uint32_t>(inner.size());
  GroupCount groups = set_row_mode(device_, push, spec, rows, extent);
  device_.dispatch(Shader::Reduce, spec, operands, push, groups);
}

void VulkanPrimitives::cumsum(const Tensor& in, const Tensor& out) {
  check_tensor(in);
  check_tensor(out);
  if (out.numel() == 0) return;
  std::array<Operand, 2> operands{operand(in), operand(out)};
  int64_t row_length = 1;
  if (in.rank() == 0) {
    for (Operand& each : operands) {
      each.desc.rank = 1;
      each.desc.sizes[0] = 1;
      each.desc.strides[0] = 1;
    }
  } else {
    row_length = in.sizes.back();
  }
  PushConstants push;
  Specialization spec;
  spec.flags = int_math_flag(!is_floating(in) && !is_floating(out));
  push.n = to_u32(in.numel() / row_length, "row count");
  device_.dispatch(Shader::Cumsum, spec, operands, push, {device_.grid_groups(push.n, 64)});
}

void VulkanPrimitives::matmul(const Tensor& a, const Tensor& w, const std::optional<Tensor>& bias,
                              const Tensor& out, double alpha, double beta) {
  if (a.rank() != 3 || w.rank() != 3 || out.rank() != 3) {
    throw BackendError("vulkan: matmul takes [B, M, K] x [B, K, N] -> [B, M, N]");
  }
  bool use_bias = bias.has_value() && beta != 0.0;
  std::array<Operand, 4> operands{operand(a), operand(w),
                                  use_bias ? optional_operand(bias) : Operand{}, operand(out)};
  int64_t batches = out.sizes[0];
  int64_t rows = out.sizes[1];
  int64_t cols = out.sizes[2];
  if (out.numel() == 0) return;
  PushConstants push;
  Specialization spec;
  spec.flags = (use_bias ? kFlagHasA : 0u) | bug_flag("matmul-ignores-stride", kFlagBug) |
               bug_flag("matmul-bf16-accumulate", kFlagBug2) |
               (w.strides[1] == 1 && cols > 1 ? kFlagOption : 0u);
  push.fa = to_float(alpha);
  push.fb = to_float(beta);
  GroupCount groups;
  groups.z = std::min(to_u32(batches, "batch count"), device_.max_group_count());
  if (rows <= kStreamRows) {
    // matmul.comp's constants: workgroup size, BM, BN, BK, TM, TN, stream
    uint32_t tile_rows = static_cast<uint32_t>(rows);
    spec.shader = {256, tile_rows, 256, 64, tile_rows, 1, 1};
    groups.x = ceil_div(cols, 256);
    device_.dispatch(Shader::Matmul, spec, operands, push, groups);
  } else {
    spec.shader = {256, 64, 64, 16, 4, 4, 0};
    groups.x = ceil_div(cols, 64);
    groups.y = ceil_div(rows, 64);
    device_.dispatch(Shader::Matmul, spec, operands, push, groups);
  }
}

void VulkanPrimitives::softmax(const Tensor& in, const Tensor& out, bool log) {
  if (in.rank() != 2 || out.rank() != 2) throw BackendError("vulkan: softmax takes [R, C]");
  std::array<Operand, 2> operands{operand(in), operand(out)};
  if (out.numel() == 0) return;
  PushConstants push;
  Specialization spec;
  spec.flags = log ? kFlagOption : 0u;
  GroupCount groups = set_row_mode(device_, push, spec, in.sizes[0], in.sizes[1]);
  device_.dispatch(Shader::Softmax, spec, operands, push, groups);
}

void VulkanPrimitives::layer_norm(const Tensor& in, const std::optional<Tensor>& weight,
                                  const std::optional<Tensor>& bias, double eps, const Tensor& out,
                                  const std::optional<Tensor>& mean,
                                  const std::optional<Tensor>& rstd) {
  if (in.rank() != 2 || out.rank() != 2) throw BackendError("vulkan: layer_norm takes [R, C]");
  std::array<Operand, 6> operands{operand(in),
                                  operand(out),
                                  optional_operand(weight),
                                  optional_operand(bias),
                                  optional_operand(mean),
                                  optional_operand(rstd)};
  if (in.sizes[0] == 0) return;
  PushConstants push;
  Specialization spec;
  spec.flags = (weight ? kFlagHasA : 0u) | (bias ? kFlagHasB : 0u) | (mean ? kFlagHasC : 0u) |
               (rstd ? kFlagHasD : 0u) | bug_flag("layer-norm-wrong-eps", kFlagBug);
  push.fa = to_float(eps);
  GroupCount groups = set_row_mode(device_, push, spec, in.sizes[0], in.sizes[1]);
  device_.dispatch(Shader::LayerNorm, spec, operands, push, groups);
}

void VulkanPrimitives::gather_rows(const Tensor& in, const Tensor& index, const Tensor& out) {
  if (in.rank() != 2 || index.rank() != 1 || out.rank() != 2) {
    throw BackendError("vulkan: gather_rows takes in [N, C], index [R], out [R, C]");
  }
  std::array<Operand, 3> operands{operand(in), operand(index), operand(out)};
  if (out.numel() == 0) return;
  PushConstants push;
  Specialization spec;
  spec.flags = int_math_flag(!is_floating(in) && !is_floating(out));
  push.n = to_u32(out.numel(), "element count");
  device_.dispatch(Shader::GatherRows, spec, operands, push,
                   {device_.grid_groups(out.numel(), kElementwiseGroupSize)});
}

void VulkanPrimitives::arange(double start, double step, const Tensor& out) {
  if (out.rank() != 1) throw BackendError("vulkan: arange writes a 1-d tensor");
  std::array<Operand, 1> operands{operand(out)};
  if (out.numel() == 0) return;
  PushConstants push;
  Specialization spec;
  bool int_math = !is_floating(out);
  spec.flags = int_math_flag(int_math);
  push.n = to_u32(out.numel(), "element count");
  push.ia = int_math ? to_int64(start) : std::bit_cast<int64_t>(start);
  push.ib = int_math ? to_int64(step) : std::bit_cast<int64_t>(step);
  device_.dispatch(Shader::Arange, spec, operands, push,
                   {device_.grid_groups(out.numel(), kElementwiseGroupSize)});
}

void VulkanPrimitives::attention(const Tensor& q, const Tensor& k, const Tensor& v,
                                 const std::optional<Tensor>& mask, bool causal, double scale,
                                 const Tensor& out) {
  if (q.rank() != 3 || k.rank() != 3 || v.rank() != 3 || out.rank() != 3 ||
      (mask && mask->rank() != 3)) {
    throw BackendError("vulkan: attention takes rank-3 q, k, v, mask and out");
  }
  if (q.sizes[2] > kMaxHeadDim || v.sizes[2] > kMaxHeadDim) {
    throw BackendError("vulkan: attention head dim above " + std::to_string(kMaxHeadDim));
  }
  std::array<Operand, 5> operands{operand(q), operand(k), operand(v), optional_operand(mask),
                                  operand(out)};
  if (out.numel() == 0) return;
  PushConstants push;
  Specialization spec;
  spec.flags = (mask ? kFlagHasA : 0u) | (mask && mask->dtype == DType::Bool ? kFlagOption : 0u) |
               (causal ? kFlagOption2 : 0u);
  push.n = to_u32(q.sizes[0] * q.sizes[1], "row count");
  push.fa = to_float(scale);
  device_.dispatch(Shader::Attention, spec, operands, push, {device_.grid_groups(push.n, 1)});
}

}  // namespace tapml::backends::vulkan
