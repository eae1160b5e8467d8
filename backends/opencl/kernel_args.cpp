#include "backends/opencl/kernel_args.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "backends/opencl/cl_error.h"
#include "backends/opencl/opencl_device.h"

namespace tapml::backends::opencl {

std::string dtype_token(const OpenCLDevice& device, DType dtype) {
  switch (dtype) {
    case DType::Float32:
      return "F32";
    case DType::Float16:
      return "F16";
    case DType::BFloat16:
      return "BF16";
    case DType::Int64:
      return "I64";
    case DType::Int32:
      return "I32";
    case DType::Int16:
      return "I16";
    case DType::Int8:
      return "I8";
    case DType::UInt8:
      return "U8";
    case DType::Bool:
      return "BOOL";
    case DType::Float64:
      if (!device.has_fp64())
        throw BackendError("opencl: float64 needs cl_khr_fp64, which " + device.name() + " lacks");
      return "F64";
    case DType::Complex64:
    case DType::Complex128:
      break;
  }
  throw BackendError("opencl: no kernel computes in " + std::string(dtype_name(dtype)));
}

bool computes_in_float(std::initializer_list<DType> dtypes) {
  return std::any_of(dtypes.begin(), dtypes.end(), dtype_is_floating);
}

std::string compute_type_options(std::initializer_list<DType> dtypes) {
  return computes_in_float(dtypes) ? " -DCT=float -DCT_FLOAT=1" : " -DCT=long -DCT_FLOAT=0";
}

std::string raw_type(DType dtype) {
  switch (dtype_size(dtype)) {
    case 1:
      return "uchar";
    case 2:
      return "ushort";
    case 4:
      return "uint";
    case 8:
      return "ulong";
    default:
      return "ulong2";
  }
}

cl_long8 pack8(const std::vector<int64_t>& values) {
  if (values.size() > static_cast<size_t>(kMaxRank)) {
    throw BackendError("opencl: rank " + std::to_string(values.size()) + " > " +
                       std::to_string(kMaxRank));
  }
  cl_long8 packed{};
  for (size_t d = 0; d < values.size(); ++d) packed.s[d] = values[d];
  return packed;
}

Layout coalesce(const std::vector<int64_t>& sizes,
                const std::vector<const std::vector<int64_t>*>& strides) {
  Layout layout;
  layout.strides.resize(strides.size());
  for (size_t d = 0; d < sizes.size(); ++d) {
    if (sizes[d] == 1) continue;
    bool mergeable = !layout.sizes.empty();
    for (size_t v = 0; v < strides.size() && mergeable; ++v) {
      mergeable = layout.strides[v].back() == (*strides[v])[d] * sizes[d];
    }
    if (mergeable) {
      layout.sizes.back() *= sizes[d];
      for (size_t v = 0; v < strides.size(); ++v) layout.strides[v].back() = (*strides[v])[d];
    } else {
      layout.sizes.push_back(sizes[d]);
      for (size_t v = 0; v < strides.size(); ++v) layout.strides[v].push_back((*strides[v])[d]);
    }
  }
  return layout;
}

// A kernel reading outside its buffer may crash the process on a CPU device,
// so every view is checked against its buffer before a launch.
void check_view(const Tensor& tensor) {
  if (tensor.strides.size() != tensor.sizes.size()) {
    throw BackendError("opencl: a view's sizes and strides differ in rank");
  }
  if (tensor.numel() == 0) return;
  int64_t lowest = tensor.offset;
  int64_t highest = tensor.offset;
  for (size_t d = 0; d < tensor.sizes.size(); ++d) {
    int64_t extent = (tensor.sizes[d] - 1) * tensor.strides[d];
    (extent < 0 ? lowest : highest) += extent;
  }
  auto elements = static_cast<int64_t>(tensor.buffer->size() / dtype_size(tensor.dtype));
  if (lowest < 0 || highest >= elements) {
    throw BackendError("opencl: a view reaches element " + std::to_string(highest) +
                       " of a buffer of " + std::to_string(elements));
  }
}

KernelArgs& KernelArgs::view(const Tensor& tensor) {
  check_view(tensor);
  const ClView view = cl_view_of(tensor);
  add(view.mem);
  return add(static_cast<cl_long>(view.offset));
}

KernelArgs& KernelArgs::scalar(bool as_float, double value) {
  if (as_float) return add(static_cast<cl_float>(value));
  // Saturate, as a cast of inf or NaN to an integer is undefined.
  constexpr double kLimit = 9.2233720368547748e18;  // 2^63
  if (std::isnan(value)) value = 0;
  return add(value >= kLimit    ? std::numeric_limits<cl_long>::max()
             : value <= -kLimit ? std::numeric_limits<cl_long>::min()
                                : static_cast<cl_long>(value));
}

void KernelArgs::set(size_t size, const void* value) {
  cl_check(clSetKernelArg(kernel_, index_++, size, value), "clSetKernelArg");
}

void launch(OpenCLDevice& device, cl_kernel kernel, std::vector<size_t> global,
            const std::vector<size_t>& local) {
  for (size_t d = 0; d < global.size(); ++d) {
    global[d] = (global[d] + local[d] - 1) / local[d] * local[d];
  }
  cl_check(clEnqueueNDRangeKernel(device.queue(), kernel, static_cast<cl_uint>(global.size()),
                                  nullptr, global.data(), local.data(), 0, nullptr, nullptr),
           "clEnqueueNDRangeKernel");
}

void check_rank(const Tensor& tensor, const char* what) {
  if (tensor.rank() > kMaxRank) {
    throw BackendError(std::string("opencl: ") + what + " has rank " +
                       std::to_string(tensor.rank()) + " > " + std::to_string(kMaxRank));
  }
}

}  // namespace tapml::backends::opencl
