// The OpenCL C sources of kernels/*.cl, embedded at build time
// (embed_kernels.cmake).
#pragma once

#include <string_view>

namespace tapml::backends::opencl {

// The text of kernels/<name>.cl; empty when there is no such file.
std::string_view kernel_source(std::string_view name);

}  // namespace tapml::backends::opencl
