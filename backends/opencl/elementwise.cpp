// unary, binary, where and arange: one work item per output element.
#include <string>

#include "backends/opencl/kernel_args.h"
#include "backends/opencl/opencl_primitives.h"
#include "backends/opencl/program_cache.h"

namespace tapml::backends::opencl {
namespace {

constexpr size_t kGroup = 256;

std::string dtype_option(const OpenCLDevice& device, const char* name, DType dtype) {
  return std::string(" -D") + name + "=" + dtype_token(device, dtype);
}

// The output's shape coalesced over its inputs' strides (in order) and its
// own (last), and its element count.
struct Elementwise {
  Layout layout;
  int64_t n = 0;
};

Elementwise elementwise_layout(const Tensor& out, std::initializer_list<const Tensor*> inputs) {
  check_rank(out, "output");
  std::vector<const std::vector<int64_t>*> strides;
  for (const Tensor* input : inputs) {
    check_rank(*input, "input");
    if (input->sizes != out.sizes) {
      throw BackendError("opencl: an elementwise input's sizes differ from the output's");
    }
    strides.push_back(&input->strides);
  }
  strides.push_back(&out.strides);
  return {coalesce(out.sizes, strides), out.numel()};
}

}  // namespace

void OpenCLPrimitives::copy_raw(const Tensor& in, const Tensor& out) {
  Elementwise e = elementwise_layout(out, {&in});
  if (e.n == 0) return;
  cl_kernel kernel =
      device_.programs().kernel("unary", "-DRAW_T=" + raw_type(out.dtype), "copy_raw");
  KernelArgs(kernel)
      .view(in)
      .add(pack8(e.layout.strides[0]))
      .view(out)
      .add(pack8(e.layout.strides[1]))
      .add(pack8(e.layout.sizes))
      .add(static_cast<cl_int>(e.layout.rank()))
      .add(static_cast<cl_long>(e.n));
  launch(device_, kernel, {static_cast<size_t>(e.n)}, {kGroup});
}

void OpenCLPrimitives::unary(UnaryOp op, const Tensor& in, const Tensor& out, UnaryParams params) {
  if (op == UnaryOp::Copy && in.dtype == out.dtype) return copy_raw(in, out);
  // Fill reads nothing: out stands in for the (possibly empty) input.
  const Tensor& src = op == UnaryOp::Fill ? out : in;
  Elementwise e = elementwise_layout(out, {&src});
  if (e.n == 0) return;
  bool as_float = computes_in_float({src.dtype, out.dtype});
  std::string options = dtype_option(device_, "IN_DT", src.dtype) +
                        dtype_option(device_, "OUT_DT", out.dtype) +
                        compute_type_options({src.dtype, out.dtype}) +
                        (out.dtype == DType::Bool ? " -DOUT_BOOL" : "");
  cl_kernel kernel = device_.programs().kernel("unary", options, "unary");
  KernelArgs(kernel)
      .view(src)
      .add(pack8(e.layout.strides[0]))
      .view(out)
      .add(pack8(e.layout.strides[1]))
      .add(pack8(e.layout.sizes))
      .add(static_cast<cl_int>(e.layout.rank()))
      .add(static_cast<cl_long>(e.n))
      .add(static_cast<cl_int>(op))
      .scalar(as_float, params.a)
      .scalar(as_float, params.b);
  launch(device_, kernel, {static_cast<size_t>(e.n)}, {kGroup});
}

void OpenCLPrimitives::binary(BinaryOp op, const Tensor& a, const Tensor& b, const Tensor& out,
                              double alpha) {
  Elementwise e = elementwise_layout(out, {&a, &b});
  if (e.n == 0) return;
  bool as_float = computes_in_float({a.dtype, b.dtype, out.dtype});
  std::string options =
      dtype_option(device_, "A_DT", a.dtype) + dtype_option(device_, "B_DT", b.dtype) +
      dtype_option(device_, "OUT_DT", out.dtype) +
      compute_type_options({a.dtype, b.dtype, out.dtype}) +
      (planted_bug("binary-partial-write") ? " -DPLANT_PARTIAL_WRITE" : "") +
      (op == BinaryOp::Add && planted_bug_on_odd_dispatch("racy-add") ? " -DPLANT_RACY_EXTRA" : "");
  cl_kernel kernel = device_.programs().kernel("binary", options, "binary");
  KernelArgs(kernel)
      .view(a)
      .add(pack8(e.layout.strides[0]))
      .view(b)
      .add(pack8(e.layout.strides[1]))
      .view(out)
      .add(pack8(e.layout.strides[2]))
      .add(pack8(e.layout.sizes))
      .add(static_cast<cl_int>(e.layout.rank()))
      .add(static_cast<cl_long>(e.n))
      .add(static_cast<cl_int>(op))
      .scalar(as_float, alpha);
  launch(device_, kernel, {static_cast<size_t>(e.n)}, {kGroup});
}

void OpenCLPrimitives::where(const Tensor& cond, const Tensor& a, const Tensor& b,
                             const Tensor& out) {
  Elementwise e = elementwise_layout(out, {&cond, &a, &b});
  if (e.n == 0) return;
  std::string options = dtype_option(device_, "C_DT", cond.dtype);
  if (a.dtype == out.dtype && b.dtype == out.dtype) {
    options += " -DRAW_T=" + raw_type(out.dtype);
  } else {
    options += dtype_option(device_, "A_DT", a.dtype) + dtype_option(device_, "B_DT", b.dtype) +
               dtype_option(device_, "OUT_DT", out.dtype) +
               compute_type_options({a.dtype, b.dtype, out.dtype});
  }
  cl_kernel kernel = device_.programs().kernel("where", options, "where");
  KernelArgs(kernel)
      .view(cond)
      .add(pack8(e.layout.strides[0]))
      .view(a)
      .add(pack8(e.layout.strides[1]))
      .view(b)
      .add(pack8(e.layout.strides[2]))
      .view(out)
      .add(pack8(e.layout.strides[3]))
      .add(pack8(e.layout.sizes))
      .add(static_cast<cl_int>(e.layout.rank()))
      .add(static_cast<cl_long>(e.n));
  launch(device_, kernel, {static_cast<size_t>(e.n)}, {kGroup});
}

void OpenCLPrimitives::arange(double start, double step, const Tensor& out) {
  if (out.rank() != 1) throw BackendError("opencl: arange needs a 1-d output");
  int64_t n = out.numel();
  if (n == 0) return;
  bool as_float = dtype_is_floating(out.dtype);
  std::string options =
      dtype_option(device_, "OUT_DT", out.dtype) + compute_type_options({out.dtype});
  cl_kernel kernel = device_.programs().kernel("arange", options, "arange");
  KernelArgs args(kernel);
  args.view(out).add(static_cast<cl_long>(out.strides[0])).add(static_cast<cl_long>(n));
  if (as_float && device_.has_fp64()) {
    args.add(start).add(step);
  } else {
    args.scalar(as_float, start).scalar(as_float, step);
  }
  launch(device_, kernel, {static_cast<size_t>(n)}, {kGroup});
}

}  // namespace tapml::backends::opencl
