// The primitives (backends/primitives.h) of a WebGPU device, each a WGSL
// kernel of shaders/. Written so far: unary (every UnaryOp), binary, where
// and arange. The others refuse by name (BackendError) until their kernels
// land (docs/webgpu.md); the backend is not offered as a target before then.
#pragma once

#include <memory>

#include "backends/primitives.h"

namespace tapml::backends::webgpu {

class WebGpuDevice;

std::unique_ptr<Primitives> make_primitives(WebGpuDevice& device);

}  // namespace tapml::backends::webgpu
