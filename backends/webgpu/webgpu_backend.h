// The WebGPU backend: WGSL compute kernels (shaders/) run through
// wgpu-native (docs/webgpu.md), behind the primitives of
// backends/primitives.h, so every aten op the lowering knows runs on it.
#pragma once

#include "backends/backend.h"

namespace tapml::backends {

const Backend& webgpu_backend();

}  // namespace tapml::backends
