// reduce and cumsum: kernels over outer (kept) dims and inner (reduced or
// scanned) dims, each coalesced on its own.
#include <string>
#include <vector>

#include "backends/opencl/kernel_args.h"
#include "backends/opencl/opencl_primitives.h"
#include "backends/opencl/program_cache.h"

namespace tapml::backends::opencl {
namespace {

// Inner extents up to this get one work item per output, longer ones a
// work-group (kernels/reduce.cl's GROUP_SIZE).
constexpr int64_t kSerialInnerMax = 64;
constexpr size_t kGroupSize = 256;
constexpr size_t kSerialGroup = 64;

std::vector<int64_t> head(const std::vector<int64_t>& values, size_t n) {
  return {values.begin(), values.begin() + static_cast<ptrdiff_t>(n)};
}

std::vector<int64_t> tail(const std::vector<int64_t>& values, size_t from) {
  return {values.begin() + static_cast<ptrdiff_t>(from), values.end()};
}

int64_t product(const std::vector<int64_t>& values) {
  int64_t n = 1;
  for (int64_t v : values) n *= v;
  return n;
}

std::string io_options(const OpenCLDevice& device, DType in, DType out) {
  return " -DIN_DT=" + dtype_token(device, in) + " -DOUT_DT=" + dtype_token(device, out) +
         compute_type_options({in, out});
}

}  // namespace

void OpenCLPrimitives::reduce(ReduceOp op, const Tensor& in, int reduce_dims, const Tensor& out) {
  check_rank(in, "reduce input");
  if (reduce_dims < 0 || reduce_dims > in.rank()) {
    throw BackendError("opencl: reduce of " + std::to_string(reduce_dims) + " dims of a rank " +
                       std::to_string(in.rank()) + " input");
  }
  const auto lead = static_cast<size_t>(in.rank() - reduce_dims);
  std::vector<int64_t> outer_sizes = head(in.sizes, lead);
  if (outer_sizes != out.sizes) throw BackendError("opencl: reduce output sizes differ from input's");
  const int64_t outer_n = product(outer_sizes);
  if (outer_n == 0) return;

  std::vector<int64_t> in_outer_strides = head(in.strides, lead);
  Layout outer = coalesce(outer_sizes, {&in_outer_strides, &out.strides});
  std::vector<int64_t> inner_sizes = tail(in.sizes, lead);
  std::vector<int64_t> in_inner_strides = tail(in.strides, lead);
  Layout inner = coalesce(inner_sizes, {&in_inner_strides});
  const int64_t inner_n = product(inner_sizes);

  std::string options = io_options(device_, in.dtype, out.dtype);
  if (planted_bug("reduce-off-by-one")) options += " -DPLANT_OFF_BY_ONE";
  if (planted_bug("sum-fp16-accumulate")) options += " -DPLANT_FP16_SUM";
  const bool serial = inner_n <= kSerialInnerMax;
  cl_kernel kernel =
      device_.programs().kernel("reduce", options, serial ? "reduce_serial" : "reduce_group");
  KernelArgs(kernel)
      .view(in)
      .add(pack8(outer.sizes))
      .add(pack8(outer.strides[0]))
      .add(static_cast<cl_int>(outer.rank()))
      .add(pack8(inner.sizes))
      .add(pack8(inner.strides[0]))
      .add(static_cast<cl_int>(inner.rank()))
      .add(static_cast<cl_long>(inner_n))
      .view(out)
      .add(pack8(outer.strides[1]))
      .add(static_cast<cl_long>(outer_n))
      .add(static_cast<cl_int>(op));
  if (serial) {
    launch(device_, kernel, {static_cast<size_t>(outer_n)}, {kSerialGroup});
  } else {
    launch(device_, kernel, {static_cast<size_t>(outer_n) * kGroupSize}, {kGroupSize});
  }
}

void OpenCLPrimitives::cumsum(const Tensor& in, const Tensor& out) {
  check_rank(in, "cumsum input");
  if (in.sizes != out.sizes || in.rank() == 0) {
    throw BackendError("opencl: cumsum needs an input and output of one shape, rank >= 1");
  }
  const size_t lead = in.sizes.size() - 1;
  std::vector<int64_t> row_sizes = head(in.sizes, lead);
  std::vector<int64_t> in_row_strides = head(in.strides, lead);
  std::vector<int64_t> out_row_strides = head(out.strides, lead);
  Layout rows = coalesce(row_sizes, {&in_row_strides, &out_row_strides});
  const int64_t row_count = product(row_sizes);
  if (row_count == 0 || in.sizes.back() == 0) return;

  cl_kernel kernel =
      device_.programs().kernel("cumsum", io_options(device_, in.dtype, out.dtype), "cumsum");
  KernelArgs(kernel)
      .view(in)
      .add(pack8(rows.strides[0]))
      .add(static_cast<cl_long>(in.strides.back()))
      .view(out)
      .add(pack8(rows.strides[1]))
      .add(static_cast<cl_long>(out.strides.back()))
      .add(pack8(rows.sizes))
      .add(static_cast<cl_int>(rows.rank()))
      .add(static_cast<cl_long>(row_count))
      .add(static_cast<cl_long>(in.sizes.back()));
  launch(device_, kernel, {static_cast<size_t>(row_count)}, {kSerialGroup});
}

}  // namespace tapml::backends::opencl
