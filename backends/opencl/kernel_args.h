// Host-side helpers shared by the primitives: dtype tokens for the -D options
// of a build, packing of sizes and strides into kernel arguments, shape
// coalescing, and launching.
#pragma once

#include <CL/cl.h>

#include <cstdint>
#include <string>
#include <vector>

#include "backends/backend.h"
#include "backends/primitives.h"

namespace tapml::backends::opencl {

class OpenCLDevice;

// The token kernels/common.cl knows a dtype by ("F32", "BF16", "BOOL");
// BackendError for dtypes no kernel computes in (complex) and for float64 on
// a device without cl_khr_fp64.
std::string dtype_token(const OpenCLDevice& device, DType dtype);

// "-DCT=float -DCT_FLOAT=1" or "-DCT=long -DCT_FLOAT=0": the compute type of
// primitives.h (float when any of these dtypes is floating, else int64).
std::string compute_type_options(std::initializer_list<DType> dtypes);
bool computes_in_float(std::initializer_list<DType> dtypes);

// Unsigned type of one element's size, for bit-exact copies ("uint", "ulong2").
std::string raw_type(DType dtype);

// Up to kMaxRank values padded with zeros, as a kernel's long8 argument.
cl_long8 pack8(const std::vector<int64_t>& values);

// A shape and the strides of several views over it, with size-1 dims dropped
// and neighbouring dims merged wherever every view allows it, so that kernels
// do fewer divisions per element (contiguous views become rank 1).
struct Layout {
  std::vector<int64_t> sizes;
  std::vector<std::vector<int64_t>> strides;  // one per view
  int rank() const { return static_cast<int>(sizes.size()); }
};
Layout coalesce(const std::vector<int64_t>& sizes,
                const std::vector<const std::vector<int64_t>*>& strides);

// Sets a kernel's arguments in order.
class KernelArgs {
 public:
  explicit KernelArgs(cl_kernel kernel) : kernel_(kernel) {}

  template <typename T>
  KernelArgs& add(const T& value) {
    set(sizeof(T), &value);
    return *this;
  }
  // A tensor's buffer and element offset (two arguments).
  KernelArgs& view(const Tensor& tensor);
  // A compute-type scalar: a float or a long, as the program's CT is.
  KernelArgs& scalar(bool as_float, double value);

 private:
  void set(size_t size, const void* value);
  cl_kernel kernel_;
  cl_uint index_ = 0;
};

// Enqueues `kernel` over global (rounded up to a multiple of local) work items.
void launch(OpenCLDevice& device, cl_kernel kernel, std::vector<size_t> global,
            const std::vector<size_t>& local);

// Throws BackendError unless the tensor's rank is at most kMaxRank.
void check_rank(const Tensor& tensor, const char* what);

}  // namespace tapml::backends::opencl
