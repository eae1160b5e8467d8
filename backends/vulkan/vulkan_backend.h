// The Vulkan backend: GLSL compute shaders (shaders/), compiled to SPIR-V at
// build time and embedded, behind the primitives of backends/primitives.h.
// Runs on Mesa's lavapipe and on GPU drivers alike.
#pragma once

#include <memory>

#include "backends/backend.h"

namespace tapml::backends {

const Backend& vulkan_backend();

// Opens device `index` keeping buffers unmapped and moving data through a
// staging buffer, as on a discrete GPU, whatever the device (tests use it to
// cover that path on lavapipe).
std::unique_ptr<Device> open_vulkan_device_staged(int index);

}  // namespace tapml::backends
