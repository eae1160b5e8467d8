// A tensor as the GPU kernels of the Vulkan and WebGPU backends see it: the
// descriptor their shaders declare (backends/vulkan/shaders/common.glsl,
// backends/webgpu/shaders/common.wgsl) and the hosts fill, 80 bytes in the
// std430/WGSL storage layout. One definition for both, since both shader
// libraries index tensors the same way.
#pragma once

#include <array>
#include <cstdint>

#include "backends/primitives.h"

namespace tapml::backends {

struct ShaderTensorDesc {
  uint32_t dtype = 0;   // tapml::DType's code
  uint32_t offset = 0;  // elements from the start of the bound buffer
  uint32_t rank = 0;
  uint32_t numel = 0;
  std::array<uint32_t, kMaxRank> sizes{};
  std::array<uint32_t, kMaxRank> strides{};
};
static_assert(sizeof(ShaderTensorDesc) == 80);

}  // namespace tapml::backends
