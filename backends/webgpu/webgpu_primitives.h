// The primitives (backends/primitives.h) of a device that runs WGSL, each a
// kernel of shaders/ dispatched through WgslDevice: the same kernels on
// wgpu-native and in a browser tab.
#pragma once

#include <memory>

#include "backends/primitives.h"

namespace tapml::backends::webgpu {

class WgslDevice;

std::unique_ptr<Primitives> make_primitives(WgslDevice& device);

}  // namespace tapml::backends::webgpu
