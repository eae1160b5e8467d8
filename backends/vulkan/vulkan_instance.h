// The process's one Vulkan instance and the physical devices it sees.
#pragma once

#include <vulkan/vulkan.h>

#include <vector>

namespace tapml::backends::vulkan {

// Physical devices in the loader's order. Throws BackendError with one clear
// line when there is no Vulkan driver or no device.
const std::vector<VkPhysicalDevice>& physical_devices();

}  // namespace tapml::backends::vulkan
