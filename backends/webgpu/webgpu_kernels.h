// The WGSL source of each kernel of shaders/ (embedded at build time by
// embed_wgsl.cmake): its bindings for `inputs` input tensors, the shared
// shaders/common.wgsl, then the kernel's own file. WGSL has no preprocessor
// and no arrays of storage bindings, so the bindings and the `load_word`
// switch over the inputs are written here.
#pragma once

#include <cstddef>
#include <string>

namespace tapml::backends::webgpu {

// Throws BackendError for a kernel that does not exist.
std::string kernel_source(const std::string& kernel, size_t inputs);

}  // namespace tapml::backends::webgpu
