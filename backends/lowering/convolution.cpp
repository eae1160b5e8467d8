// Convolutions (aten::convolution, _convolution, conv1d, conv2d, and the
// backend-specific spellings the replayer maps onto convolution,
// replayer/portable_op.h) and batch norm in inference, composed of
// primitives: im2col is a strided view of the zero-padded input (no index
// arithmetic), copied once into [groups, N·out positions, C/groups·kernel];
// one batched matmul (the groups are its batch, so a depthwise convolution
// is one call too) writes [groups, N·positions, O/groups], and one copy
// puts that into the output's layout. 1-d and 2-d, not transposed: the
// im2col view of a 3-d one has rank 9, beyond the primitives' 8.
#include "backends/lowering/families.h"
#include "backends/lowering/kernel_support.h"

namespace tapml::backends::lowering {
namespace {

struct ConvArgs {
  int64_t spatial = 0;  // spatial dims
  std::vector<int64_t> stride, dilation, pad_before, pad_after;
  int64_t groups = 1;
};

// A per-dim int[] argument: one value for every dim, or one each.
std::vector<int64_t> per_dim(const KernelCall& call, const char* name, int64_t dims,
                             int64_t fallback) {
  std::vector<int64_t> values = int_list(call, name);
  if (values.empty()) return std::vector<int64_t>(static_cast<size_t>(dims), fallback);
  if (values.size() == 1) return std::vector<int64_t>(static_cast<size_t>(dims), values[0]);
  if (static_cast<int64_t>(values.size()) != dims) {
    throw BackendError(std::string(name) + " has " + std::to_string(values.size()) +
                       " values for " + std::to_string(dims) + " dims");
  }
  return values;
}

ConvArgs conv_args(const KernelCall& call) {
  const Tensor& weight = call.tensor("weight");
  ConvArgs a;
  a.spatial = weight.rank() - 2;
  a.stride = per_dim(call, "stride", a.spatial, 1);
  a.dilation = per_dim(call, "dilation", a.spatial, 1);
  a.groups = call.int_or("groups", 1);
  const Value* padding = call.find("padding");
  if (const auto* mode = padding ? std::get_if<std::string>(padding) : nullptr) {
    // conv2d(padding="same"|"valid"): "same" pads k-1 dilated taps, the
    // extra one after, as torch does.
    a.pad_before.assign(static_cast<size_t>(a.spatial), 0);
    a.pad_after = a.pad_before;
    if (*mode == "same") {
      for (int64_t d = 0; d < a.spatial; ++d) {
        const auto i = static_cast<size_t>(d);
        const int64_t total = a.dilation[i] * (weight.sizes[i + 2] - 1);
        a.pad_before[i] = total / 2;
        a.pad_after[i] = total - total / 2;
      }
    } else if (*mode != "valid") {
      throw BackendError("padding '" + *mode + "'");
    }
  } else {
    a.pad_before = per_dim(call, "padding", a.spatial, 0);
    a.pad_after = a.pad_before;
  }
  return a;
}

std::string why_not_convolution(const KernelCall& call) {
  if (call.bool_or("transposed", false)) return "transposed convolution";
  const Tensor& input = call.tensor("input");
  const Tensor& weight = call.tensor("weight");
  const int64_t spatial = weight.rank() - 2;
  if (spatial < 1 || spatial > 2) return std::to_string(spatial) + "-d convolution (1-d and 2-d)";
  if (input.rank() != weight.rank() && input.rank() != weight.rank() - 1) {
    return "input rank " + std::to_string(input.rank()) + " for a " + std::to_string(spatial) +
           "-d weight";
  }
  const int64_t groups = call.int_or("groups", 1);
  const int64_t channels = input.sizes[static_cast<size_t>(input.rank() - spatial - 1)];
  if (groups < 1 || channels % groups != 0 || weight.sizes[0] % groups != 0 ||
      weight.sizes[1] * groups != channels) {
    return "groups " + std::to_string(groups) + " do not divide the channels";
  }
  return {};
}

// Pads dims 2.. of x [N, C, S...] with zeros; x itself when no padding.
Tensor zero_padded(Primitives& p, const Tensor& x, const ConvArgs& a) {
  bool any = false;
  std::vector<int64_t> sizes = x.sizes;
  for (int64_t d = 0; d < a.spatial; ++d) {
    const auto i = static_cast<size_t>(d);
    sizes[i + 2] += a.pad_before[i] + a.pad_after[i];
    any = any || a.pad_before[i] != 0 || a.pad_after[i] != 0;
  }
  if (!any) return x;
  Tensor padded = empty(p, x.dtype, sizes);
  p.unary(UnaryOp::Fill, Tensor{}, padded, {0.0, 0.0});
  Tensor inner = padded;
  for (int64_t d = 0; d < a.spatial; ++d) {
    inner = narrow(inner, d + 2, a.pad_before[static_cast<size_t>(d)],
                   x.sizes[static_cast<size_t>(d + 2)]);
  }
  copy_into(p, x, inner);
  return padded;
}

void convolution(Primitives& p, const KernelCall& call) {
  Tensor x = call.tensor("input");
  const Tensor& w = call.tensor("weight");
  const std::optional<Tensor> bias = optional_tensor(call, "bias");
  Tensor out = output(call);
  const ConvArgs a = conv_args(call);
  if (x.rank() == w.rank() - 1) {  // unbatched
    x = unsqueeze(x, 0);
    out = unsqueeze(out, 0);
  }
  const int64_t n = x.sizes[0], groups = a.groups;
  const int64_t c_group = x.sizes[1] / groups, o_group = w.sizes[0] / groups;
  const Tensor xp = zero_padded(p, x, a);
  // im2col: [G, N, out positions..., C/G, kernel taps...] over xp's memory.
  Tensor col = xp;
  col.sizes = {groups, n};
  col.strides = {c_group * xp.strides[1], xp.strides[0]};
  int64_t positions = 1, taps = 1;
  // The planted conv-ignores-stride bug (docs/planted-bugs.md): windows
  // one element apart whatever the stride, as a kernel that drops it reads.
  const bool ignore_stride = planted_bug("conv-ignores-stride");
  for (int64_t d = 0; d < a.spatial; ++d) {
    const auto i = static_cast<size_t>(d);
    col.sizes.push_back(out.sizes[i + 2]);
    col.strides.push_back(xp.strides[i + 2] * (ignore_stride ? 1 : a.stride[i]));
    positions *= out.sizes[i + 2];
  }
  col.sizes.push_back(c_group);
  col.strides.push_back(xp.strides[1]);
  for (int64_t d = 0; d < a.spatial; ++d) {
    const auto i = static_cast<size_t>(d);
    col.sizes.push_back(w.sizes[i + 2]);
    col.strides.push_back(xp.strides[i + 2] * a.dilation[i]);
    taps *= w.sizes[i + 2];
  }
  Tensor lhs = contiguous_copy(p, col);
  const int64_t rows = n * positions, depth = c_group * taps;
  lhs.sizes = {groups, rows, depth};
  lhs.strides = contiguous_strides(lhs.sizes);
  // weight [O, C/G, kernel...] -> [G, C/G·taps, O/G]
  const Tensor rhs = transpose(split_dim(as_matrix(p, w, 1), 0, groups), 1, 2);
  std::optional<Tensor> bias_rows;
  if (bias) bias_rows = unsqueeze(split_dim(*bias, 0, groups), 1);
  const Tensor product = empty(p, out.dtype, {groups, rows, o_group});
  batched_matmul(p, lhs, rhs, bias_rows, product, 1.0, 1.0);
  // product as [G, N, positions..., O/G] into out [N, O, positions...]
  Tensor result = product;
  result.sizes = {groups, n};
  for (int64_t d = 0; d < a.spatial; ++d) {
    result.sizes.push_back(out.sizes[static_cast<size_t>(d + 2)]);
  }
  result.sizes.push_back(o_group);
  result.strides = contiguous_strides(result.sizes);
  std::vector<int64_t> order = {1, 0};
  for (int64_t d = 0; d < a.spatial; ++d) order.push_back(d + 3);
  order.push_back(2);
  copy_into(p, result, permute(split_dim(out, 1, groups), order));
}

// native_batch_norm in inference: out = (x - mean)·rsqrt(var + eps)·w + b
// per channel (dim 1).
void batch_norm(Primitives& p, const KernelCall& call) {
  const Tensor& x = call.tensor("input");
  const Tensor& out = output(call);
  const Tensor mean = call.tensor("running_mean");
  const Tensor var = call.tensor("running_var");
  const double eps = call.float_or("eps", 1e-5);
  const int64_t channels = x.sizes[1];
  // Per-channel scale and shift in float32, as torch's CPU kernel folds them
  // (primitives never write what they read: one temporary per step).
  auto vector = [&] { return empty(p, DType::Float32, {channels}); };
  const Tensor var_eps = vector(), inv_std = vector(), mean_scaled = vector();
  p.binary(BinaryOp::Add, var, broadcast_to(scalar_tensor(p, eps, DType::Float32), {channels}),
           var_eps, 1.0);
  p.unary(UnaryOp::Rsqrt, var_eps, inv_std, {});
  Tensor scale = inv_std;
  if (const std::optional<Tensor> weight = optional_tensor(call, "weight")) {
    scale = vector();
    p.binary(BinaryOp::Mul, inv_std, *weight, scale, 1.0);
  }
  p.binary(BinaryOp::Mul, mean, scale, mean_scaled, 1.0);
  const Tensor shift = vector();
  if (const std::optional<Tensor> bias = optional_tensor(call, "bias")) {
    p.binary(BinaryOp::Sub, *bias, mean_scaled, shift, 1.0);  // b - mean·scale
  } else {
    p.unary(UnaryOp::Neg, mean_scaled, shift, {});
  }
  // out = x·scale + shift, the per-channel vectors broadcast along dim 1.
  std::vector<int64_t> channel_view(static_cast<size_t>(x.rank()), 1);
  channel_view[1] = channels;
  auto along_channels = [&](const Tensor& v) {
    Tensor t = v;
    t.sizes = channel_view;
    t.strides = contiguous_strides(channel_view);
    return broadcast_to(t, x.sizes);
  };
  // CUDA's kernel returns the running statistics it used where the CPU's
  // returns empty tensors: mean, and 1/sqrt(var + eps).
  if (call.outputs.size() > 2 && output(call, 1).numel() == channels &&
      output(call, 2).numel() == channels) {
    copy_into(p, mean, output(call, 1));
    copy_into(p, inv_std, output(call, 2));
  }
  OutputSlot slot(p, out, {&x});
  const Tensor scaled = empty(p, DType::Float32, x.sizes);
  p.binary(BinaryOp::Mul, x, along_channels(scale), scaled, 1.0);
  p.binary(BinaryOp::Add, scaled, along_channels(shift), slot.target(), 1.0);
  slot.commit();
}

std::string why_not_batch_norm(const KernelCall& call) {
  if (call.bool_or("training", false)) return "batch norm in training mode (batch statistics)";
  if (call.is_none("running_mean") || call.is_none("running_var")) {
    return "batch norm without running statistics";
  }
  if (call.tensor("input").rank() < 2) return "batch norm of a tensor of rank < 2";
  return {};
}

}  // namespace

void add_convolution_kernels(KernelTable& t) {
  lower(t,
        {"aten::convolution", "aten::_convolution", "aten::_convolution.deprecated", "aten::conv1d",
         "aten::conv2d", "aten::conv1d.padding", "aten::conv2d.padding"},
        convolution, why_not_convolution);
  lower(t, {"aten::native_batch_norm"}, batch_norm, why_not_batch_norm);
}

}  // namespace tapml::backends::lowering
