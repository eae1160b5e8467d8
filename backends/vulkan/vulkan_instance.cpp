#include "backends/vulkan/vulkan_instance.h"

#include <mutex>
#include <string>

#include "backends/backend.h"
#include "backends/vulkan/vk_check.h"

namespace tapml::backends::vulkan {
namespace {

constexpr const char* kNoDriver =
    "vulkan: no Vulkan driver found (install mesa-vulkan-drivers for lavapipe, or a GPU driver)";

struct Instance {
  VkInstance instance = VK_NULL_HANDLE;
  std::vector<VkPhysicalDevice> devices;
  std::string error;  // set when the platform is missing; reported on every use

  Instance() {
    auto app = make_info<VkApplicationInfo>(VK_STRUCTURE_TYPE_APPLICATION_INFO);
    app.pApplicationName = "tapml";
    app.apiVersion = VK_API_VERSION_1_1;
    auto info = make_info<VkInstanceCreateInfo>(VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO);
    info.pApplicationInfo = &app;
    VkResult result = vkCreateInstance(&info, nullptr, &instance);
    if (result == VK_ERROR_INCOMPATIBLE_DRIVER || result == VK_ERROR_INITIALIZATION_FAILED) {
      error = kNoDriver;
      return;
    }
    check(result, "vkCreateInstance");
    uint32_t count = 0;
    check(vkEnumeratePhysicalDevices(instance, &count, nullptr), "vkEnumeratePhysicalDevices");
    devices.resize(count);
    check(vkEnumeratePhysicalDevices(instance, &count, devices.data()),
          "vkEnumeratePhysicalDevices");
    devices.resize(count);
    if (devices.empty()) error = kNoDriver;
  }
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;
  ~Instance() = delete;
};

}  // namespace

const std::vector<VkPhysicalDevice>& physical_devices() {
  // Never destroyed: a device may outlive static destruction (the offload
  // mode's lives until the process ends), and destroying the instance under
  // a live device crashes NVIDIA's driver at exit (lavapipe tolerates it).
  static const Instance* instance = new Instance();
  if (!instance->error.empty()) throw BackendError(instance->error);
  return instance->devices;
}

}  // namespace tapml::backends::vulkan
