// VkResult checking: every failing Vulkan call becomes a BackendError that
// names the call and the result.
#pragma once

#include <vulkan/vulkan.h>

#include <string>

namespace tapml::backends::vulkan {

const char* result_name(VkResult result);

// Throws BackendError("vulkan: <call> failed: <result>") unless result is VK_SUCCESS.
void check(VkResult result, const char* call);

}  // namespace tapml::backends::vulkan

// Names the called function (the text before its argument list) in the error.
#define TAPML_VK_CHECK(call) ::tapml::backends::vulkan::check((call), #call)

namespace tapml::backends::vulkan {

// A zeroed Vulkan info struct with its sType set.
template <typename Info>
Info make_info(VkStructureType type) {
  Info info{};
  info.sType = type;
  return info;
}

}  // namespace tapml::backends::vulkan
