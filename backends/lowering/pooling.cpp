// Max pooling (max_pool2d and max_pool2d_with_indices, batched or not):
// the windows are a strided view of the input padded with -inf (and, for
// ceil_mode, past its end), reduced with Max for the values and ArgMax for
// the position inside each window; the flat input index torch returns is
// then integer arithmetic on the device: (ho·sh - ph + (a div kw)·dh)·W +
// (wo·sw - pw + (a mod kw)·dw).
#include <limits>

#include "backends/lowering/families.h"
#include "backends/lowering/kernel_support.h"

namespace tapml::backends::lowering {
namespace {

std::vector<int64_t> pair_of(const KernelCall& call, const char* name,
                             std::vector<int64_t> fallback) {
  std::vector<int64_t> v = int_list(call, name);
  if (v.empty()) return fallback;
  if (v.size() == 1) return {v[0], v[0]};
  return v;
}

void max_pool2d(Primitives& p, const KernelCall& call, bool with_indices) {
  Tensor x = call.tensor("self");
  Tensor out = output(call, 0);
  Tensor indices = with_indices ? output(call, 1) : Tensor{};
  if (x.rank() == 3) {
    x = unsqueeze(x, 0);
    out = unsqueeze(out, 0);
    if (with_indices) indices = unsqueeze(indices, 0);
  }
  const std::vector<int64_t> kernel = pair_of(call, "kernel_size", {1, 1});
  const std::vector<int64_t> stride = pair_of(call, "stride", kernel);
  const std::vector<int64_t> pad = pair_of(call, "padding", {0, 0});
  const std::vector<int64_t> dilation = pair_of(call, "dilation", {1, 1});
  const int64_t height = x.sizes[2], width = x.sizes[3];
  const int64_t out_h = out.sizes[2], out_w = out.sizes[3];
  // -inf around the input, as far as the last window reaches.
  std::vector<int64_t> padded_sizes = x.sizes;
  padded_sizes[2] =
      std::max(height + 2 * pad[0], (out_h - 1) * stride[0] + (kernel[0] - 1) * dilation[0] + 1);
  padded_sizes[3] =
      std::max(width + 2 * pad[1], (out_w - 1) * stride[1] + (kernel[1] - 1) * dilation[1] + 1);
  const Tensor padded = empty(p, x.dtype, padded_sizes);
  p.unary(UnaryOp::Fill, Tensor{}, padded, {-std::numeric_limits<double>::infinity(), 0.0});
  copy_into(p, x, narrow(narrow(padded, 2, pad[0], height), 3, pad[1], width));
  Tensor windows = padded;
  windows.sizes = {x.sizes[0], x.sizes[1], out_h, out_w, kernel[0], kernel[1]};
  windows.strides = {padded.strides[0],
                     padded.strides[1],
                     padded.strides[2] * stride[0],
                     padded.strides[3] * stride[1],
                     padded.strides[2] * dilation[0],
                     padded.strides[3] * dilation[1]};
  p.reduce(ReduceOp::Max, windows, 2, out);
  if (!with_indices) return;
  const std::vector<int64_t> sizes = out.sizes;
  auto ints = [&] { return empty(p, DType::Int64, sizes); };
  auto constant = [&](int64_t v) {
    return broadcast_to(scalar_tensor(p, static_cast<double>(v), DType::Int64), sizes);
  };
  const Tensor at = ints();  // position in the window, row-major over (kh, kw)
  p.reduce(ReduceOp::ArgMax, windows, 2, at);
  const Tensor tap_row = ints(), tap_row_width = ints(), tap_col = ints();
  p.binary(BinaryOp::DivFloor, at, constant(kernel[1]), tap_row, 1.0);
  p.binary(BinaryOp::Mul, tap_row, constant(kernel[1]), tap_row_width, 1.0);
  p.binary(BinaryOp::Sub, at, tap_row_width, tap_col, 1.0);
  // Where each window starts, in input coordinates.
  const Tensor row_start = empty(p, DType::Int64, {out_h}),
               col_start = empty(p, DType::Int64, {out_w});
  p.arange(static_cast<double>(-pad[0]), static_cast<double>(stride[0]), row_start);
  p.arange(static_cast<double>(-pad[1]), static_cast<double>(stride[1]), col_start);
  const Tensor row_offset = ints(), row = ints(), col_offset = ints(), col = ints(),
               row_base = ints();
  p.binary(BinaryOp::Mul, tap_row, constant(dilation[0]), row_offset, 1.0);
  p.binary(BinaryOp::Add, broadcast_to(unsqueeze(row_start, 1), sizes), row_offset, row, 1.0);
  p.binary(BinaryOp::Mul, tap_col, constant(dilation[1]), col_offset, 1.0);
  p.binary(BinaryOp::Add, broadcast_to(col_start, sizes), col_offset, col, 1.0);
  p.binary(BinaryOp::Mul, row, constant(width), row_base, 1.0);
  p.binary(BinaryOp::Add, row_base, col, indices, 1.0);
}

std::string why_not_max_pool(const KernelCall& call) {
  const int64_t rank = call.tensor("self").rank();
  if (rank != 3 && rank != 4) return "max_pool2d of a rank-" + std::to_string(rank) + " tensor";
  if (!dtype_is_floating(call.tensor("self").dtype)) {
    return "max_pool2d of integers (pads with -inf)";
  }
  return {};
}

}  // namespace

void add_pooling_kernels(KernelTable& t) {
  lower(
      t, {"aten::max_pool2d"},
      [](Primitives& p, const KernelCall& call) { max_pool2d(p, call, false); }, why_not_max_pool);
  lower(
      t, {"aten::max_pool2d_with_indices", "aten::max_pool2d_with_indices.out"},
      [](Primitives& p, const KernelCall& call) { max_pool2d(p, call, true); }, why_not_max_pool);
}

}  // namespace tapml::backends::lowering
