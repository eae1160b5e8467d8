// The host side of the shaders' interface (shaders/common.glsl): the params
// block of tensor descriptors, the push constants and their flag bits. Keep
// the two in step.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "backends/primitives.h"
#include "backends/shader_tensor_desc.h"

namespace tapml::backends::vulkan {

inline constexpr int kMaxTensors = 6;

// TensorDesc in common.glsl (backends/shader_tensor_desc.h, shared with WebGPU).
using TensorDesc = ShaderTensorDesc;

using ParamsBlock = std::array<TensorDesc, kMaxTensors>;

// Mirrors Push in common.glsl: sizes and scalars, nothing that steers
// control flow (that is Specialization's).
struct PushConstants {
  uint32_t n = 0;
  uint32_t m = 0;
  uint32_t k = 0;
  uint32_t unused = 0;
  float fa = 0;
  float fb = 0;
  int64_t ia = 0;
  int64_t ib = 0;
};
static_assert(sizeof(PushConstants) == 40);

// The choices a pipeline is specialised on (common.glsl's specialisation
// constants); operand dtypes are added from the operands by the device.
struct Specialization {
  uint32_t op = 0;
  uint32_t flags = 0;
  uint32_t mode = 0;
  std::vector<uint32_t> shader;  // the shader's own constants, ids 0, 1, ...
};

inline constexpr uint32_t kSpecOpId = 10;
inline constexpr uint32_t kSpecFlagsId = 11;
inline constexpr uint32_t kSpecModeId = 12;
inline constexpr uint32_t kSpecDtypeId = 16;  // + operand slot

enum Flag : uint32_t {
  kFlagIntMath = 1u,
  kFlagBug = 2u,
  kFlagBug2 = 4u,
  kFlagHasA = 8u,
  kFlagHasB = 16u,
  kFlagOption = 32u,
  kFlagOption2 = 64u,
  kFlagHasC = 128u,
  kFlagHasD = 256u,
};

// Row kernels (rows.glsl): mode kModeRowPerInvocation runs one invocation per row.
inline constexpr uint32_t kModeRowPerInvocation = 1;
inline constexpr uint32_t kRowGroupSize = 256;
// Elementwise kernels' workgroup size.
inline constexpr uint32_t kElementwiseGroupSize = 256;
// attention.comp's limit on the head dims.
inline constexpr int64_t kMaxHeadDim = 1024;

}  // namespace tapml::backends::vulkan
