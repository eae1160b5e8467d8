// softmax, layer_norm and gather_rows: kernels over the rows of [R, C] views.
#include <string>

#include "backends/opencl/kernel_args.h"
#include "backends/opencl/opencl_primitives.h"
#include "backends/opencl/program_cache.h"

namespace tapml::backends::opencl {
namespace {

constexpr size_t kRowGroup = 128;  // kernels/common.cl's ROW_GROUP

void require_rank(const Tensor& tensor, int64_t rank, const char* what) {
  if (tensor.rank() != rank) {
    throw BackendError(std::string("opencl: ") + what + " needs rank " + std::to_string(rank) +
                       ", got " + std::to_string(tensor.rank()));
  }
}

// The bits of a NaN (0 for integers) of a dtype, for rows with no source.
std::string missing_bits(DType dtype) {
  switch (dtype) {
    case DType::Float32: return "0x7fc00000u";
    case DType::Float64: return "0x7ff8000000000000ul";
    case DType::Float16: return "0x7e00u";
    case DType::BFloat16: return "0x7fc0u";
    default: return "0";
  }
}

// A [C] operand that may be absent: its dtype option, then its arguments.
// An absent one passes `stand_in`'s buffer, which the kernel never touches.
std::string optional_option(const OpenCLDevice& device, const char* dtype_macro,
                            const std::optional<Tensor>& tensor) {
  if (!tensor) return "";
  return std::string(" -D") + dtype_macro + "=" + dtype_token(device, tensor->dtype);
}

void optional_args(KernelArgs& args, const std::optional<Tensor>& tensor, const Tensor& stand_in,
                   const char* what) {
  if (tensor) {
    require_rank(*tensor, 1, what);
    args.view(*tensor).add(static_cast<cl_long>(tensor->strides[0]));
  } else {
    args.view(stand_in).add(static_cast<cl_long>(0));
  }
}

}  // namespace

void OpenCLPrimitives::softmax(const Tensor& in, const Tensor& out, bool log) {
  require_rank(in, 2, "softmax input");
  if (in.sizes != out.sizes) throw BackendError("opencl: softmax output sizes differ from input's");
  if (in.numel() == 0) return;
  std::string options = " -DIN_DT=" + dtype_token(device_, in.dtype) +
                        " -DOUT_DT=" + dtype_token(device_, out.dtype);
  cl_kernel kernel = device_.programs().kernel("softmax", options, "softmax");
  KernelArgs(kernel)
      .view(in)
      .add(static_cast<cl_long>(in.strides[0]))
      .add(static_cast<cl_long>(in.strides[1]))
      .view(out)
      .add(static_cast<cl_long>(out.strides[0]))
      .add(static_cast<cl_long>(out.strides[1]))
      .add(static_cast<cl_long>(in.sizes[1]))
      .add(static_cast<cl_int>(log ? 1 : 0));
  launch(device_, kernel, {static_cast<size_t>(in.sizes[0]) * kRowGroup}, {kRowGroup});
}

void OpenCLPrimitives::layer_norm(const Tensor& in, const std::optional<Tensor>& weight,
                                  const std::optional<Tensor>& bias, double eps, const Tensor& out,
                                  const std::optional<Tensor>& mean,
                                  const std::optional<Tensor>& rstd) {
  require_rank(in, 2, "layer_norm input");
  if (in.sizes != out.sizes) {
    throw BackendError("opencl: layer_norm output sizes differ from input's");
  }
  if (in.sizes[0] == 0) return;
  std::string options = " -DIN_DT=" + dtype_token(device_, in.dtype) +
                        " -DOUT_DT=" + dtype_token(device_, out.dtype);
  if (planted_bug("layer-norm-wrong-eps")) options += " -DPLANT_WRONG_EPS";
  options += optional_option(device_, "W_DT", weight) + optional_option(device_, "BIAS_DT", bias) +
             optional_option(device_, "MEAN_DT", mean) + optional_option(device_, "RSTD_DT", rstd);
  cl_kernel kernel = device_.programs().kernel("layer_norm", options, "layer_norm");
  KernelArgs args(kernel);
  args.view(in).add(static_cast<cl_long>(in.strides[0])).add(static_cast<cl_long>(in.strides[1]));
  optional_args(args, weight, in, "layer_norm weight");
  optional_args(args, bias, in, "layer_norm bias");
  args.view(out).add(static_cast<cl_long>(out.strides[0])).add(static_cast<cl_long>(out.strides[1]));
  optional_args(args, mean, out, "layer_norm mean");
  optional_args(args, rstd, out, "layer_norm rstd");
  args.add(static_cast<cl_long>(in.sizes[1])).add(static_cast<cl_float>(eps));
  launch(device_, kernel, {static_cast<size_t>(in.sizes[0]) * kRowGroup}, {kRowGroup});
}

void OpenCLPrimitives::gather_rows(const Tensor& in, const Tensor& index, const Tensor& out) {
  require_rank(in, 2, "gather_rows input");
  require_rank(index, 1, "gather_rows index");
  require_rank(out, 2, "gather_rows output");
  if (out.sizes[0] != index.sizes[0] || out.sizes[1] != in.sizes[1]) {
    throw BackendError("opencl: gather_rows output sizes differ from [index rows, input cols]");
  }
  if (out.numel() == 0) return;
  std::string options = " -DINDEX_DT=" + dtype_token(device_, index.dtype);
  if (in.dtype == out.dtype) {
    options += " -DRAW_T=" + raw_type(out.dtype) + " -DMISSING=" + missing_bits(out.dtype);
  } else {
    options += " -DIN_DT=" + dtype_token(device_, in.dtype) +
               " -DOUT_DT=" + dtype_token(device_, out.dtype) +
               compute_type_options({in.dtype, out.dtype});
  }
  cl_kernel kernel = device_.programs().kernel("gather_rows", options, "gather_rows");
  KernelArgs(kernel)
      .view(in)
      .add(static_cast<cl_long>(in.strides[0]))
      .add(static_cast<cl_long>(in.strides[1]))
      .add(static_cast<cl_long>(in.sizes[0]))
      .view(index)
      .add(static_cast<cl_long>(index.strides[0]))
      .view(out)
      .add(static_cast<cl_long>(out.strides[0]))
      .add(static_cast<cl_long>(out.strides[1]))
      .add(static_cast<cl_long>(out.sizes[0]))
      .add(static_cast<cl_long>(out.sizes[1]));
  launch(device_, kernel, {static_cast<size_t>(out.sizes[1]), static_cast<size_t>(out.sizes[0])},
         {32, 1});
}

}  // namespace tapml::backends::opencl
