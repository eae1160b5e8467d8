#include "backends/vulkan/vulkan_backend.h"

#include <string>

#include "backends/lowering/lowering.h"
#include "backends/vulkan/vulkan_device.h"
#include "backends/vulkan/vulkan_instance.h"

namespace tapml::backends {
namespace {

VkPhysicalDevice physical_device(int index) {
  const std::vector<VkPhysicalDevice>& devices = vulkan::physical_devices();
  if (index < 0 || index >= static_cast<int>(devices.size())) {
    throw BackendError("vulkan: no device " + std::to_string(index) + " (there are " +
                       std::to_string(devices.size()) + ")");
  }
  return devices[index];
}

class VulkanBackend final : public Backend {
 public:
  std::string name() const override { return "vulkan"; }
  std::string numerics() const override { return "float16, bfloat16 and float64 computed in f32"; }

  std::vector<DeviceInfo> devices() const override {
    std::vector<DeviceInfo> infos;
    int index = 0;
    for (VkPhysicalDevice device : vulkan::physical_devices()) {
      VkPhysicalDeviceProperties properties;
      vkGetPhysicalDeviceProperties(device, &properties);
      infos.push_back({index, vulkan::device_label(index, properties)});
      ++index;
    }
    return infos;
  }

  std::unique_ptr<Device> open(int index) const override {
    return std::make_unique<vulkan::VulkanDevice>(physical_device(index), index,
                                                  vulkan::VulkanOptions{});
  }

  const KernelTable& kernels() const override { return lowered_kernels(); }
};

}  // namespace

const Backend& vulkan_backend() {
  static const VulkanBackend backend;
  return backend;
}

std::unique_ptr<Device> open_vulkan_device_staged(int index) {
  return std::make_unique<vulkan::VulkanDevice>(physical_device(index), index,
                                                vulkan::VulkanOptions{.force_staging = true});
}

}  // namespace tapml::backends
