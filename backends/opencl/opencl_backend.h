// The OpenCL backend: the devices of every OpenCL platform, in platform order,
// running the primitives as OpenCL C kernels built at run time.
#pragma once

#include "backends/backend.h"

namespace tapml::backends {

const Backend& opencl_backend();

}  // namespace tapml::backends
