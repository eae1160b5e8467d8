// A Vulkan device: buffers, uploads and downloads, and batched compute
// dispatches of the embedded shaders. Dispatches are recorded into one command
// buffer and submitted by finish() (or when a batch's descriptor sets run
// out); uploads and downloads finish pending work first, so they see and
// leave memory as the caller's order implies.
#pragma once

#include <vulkan/vulkan.h>

#include <map>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "backends/backend.h"
#include "backends/primitives.h"
#include "backends/vulkan/shader_abi.h"
#include "backends/vulkan/shaders.h"

namespace tapml::backends::vulkan {

struct VulkanOptions {
  // Keep device buffers unmapped and move data through a staging buffer even
  // where device memory is host-visible (tests the discrete-GPU path on lavapipe).
  bool force_staging = false;
};

// "vulkan:0 llvmpipe (LLVM 15.0.6, 256 bits)"
std::string device_label(int index, const VkPhysicalDeviceProperties& properties);

// The logical device, shared by buffers so that one outliving its device is
// still destroyed safely.
struct DeviceHandle {
  VkDevice device = VK_NULL_HANDLE;
  DeviceHandle() = default;
  DeviceHandle(const DeviceHandle&) = delete;
  DeviceHandle& operator=(const DeviceHandle&) = delete;
  ~DeviceHandle();
};

class VulkanBuffer final : public Buffer {
 public:
  VulkanBuffer(std::shared_ptr<const DeviceHandle> device, VkBuffer buffer, VkDeviceMemory memory,
               size_t size, size_t capacity, void* mapped);
  VulkanBuffer(const VulkanBuffer&) = delete;
  VulkanBuffer& operator=(const VulkanBuffer&) = delete;
  ~VulkanBuffer() override;

  size_t size() const override { return size_; }
  size_t capacity() const { return capacity_; }  // size rounded up to whole words
  VkBuffer handle() const { return buffer_; }
  void* mapped() const { return mapped_; }  // nullptr when reached through staging

 private:
  std::shared_ptr<const DeviceHandle> device_;
  VkBuffer buffer_;
  VkDeviceMemory memory_;
  size_t size_;
  size_t capacity_;
  void* mapped_;
};

// One tensor operand of a dispatch. A null tensor binds a dummy buffer.
struct Operand {
  const Tensor* tensor = nullptr;
  TensorDesc desc;
};

struct GroupCount {
  uint32_t x = 1;
  uint32_t y = 1;
  uint32_t z = 1;
};

class VulkanDevice final : public Device {
 public:
  VulkanDevice(VkPhysicalDevice physical, int index, const VulkanOptions& options);
  VulkanDevice(const VulkanDevice&) = delete;
  VulkanDevice& operator=(const VulkanDevice&) = delete;
  ~VulkanDevice() override;

  std::string name() const override { return name_; }
  std::shared_ptr<Buffer> alloc(size_t bytes) override;
  void upload(Buffer& dst, const void* src, size_t bytes, size_t dst_offset) override;
  void download(const Buffer& src, void* dst, size_t bytes, size_t src_offset) override;
  void finish() override;
  Primitives& primitives() override { return *primitives_; }
  size_t max_view_bytes() const override { return properties_.limits.maxStorageBufferRange; }

  // Records one dispatch of `shader`, specialised on `spec` and the operands'
  // dtypes, on `operands` (slots 0, 1, ...).
  void dispatch(Shader shader, const Specialization& spec, std::span<const Operand> operands,
                const PushConstants& push, GroupCount groups);

  // Workgroups for a grid-stride kernel over `items` with `group_size`
  // invocations a group: enough to fill the device, no more (CPU devices
  // pay per workgroup).
  uint32_t grid_groups(int64_t items, uint32_t group_size) const;
  // The most workgroups of one dispatch dimension.
  uint32_t max_group_count() const;

 private:
  struct Allocation {
    VkBuffer buffer = VK_NULL_HANDLE;
    VkDeviceMemory memory = VK_NULL_HANDLE;
    void* mapped = nullptr;
  };
  // The shader and its specialisation constants as (id, value) pairs.
  using PipelineKey = std::pair<Shader, std::vector<std::pair<uint32_t, uint32_t>>>;

  Allocation allocate(size_t capacity, bool host_access, bool device_buffer);
  void destroy(Allocation& allocation);
  void create_layouts();
  VkPipeline pipeline(const PipelineKey& key);
  void begin_batch();
  void submit_and_wait();
  // Copies between a device buffer and host memory through the staging buffer.
  void staged_copy(const VulkanBuffer& buffer, size_t offset, size_t bytes, const void* from_host,
                   void* to_host);
  VkDescriptorBufferInfo bind_range(const Operand& operand, TensorDesc& desc) const;
  static const VulkanBuffer& vulkan_buffer(const Buffer& buffer);

  std::shared_ptr<DeviceHandle> handle_;
  VkDevice device_ = VK_NULL_HANDLE;
  VkPhysicalDevice physical_;
  VkPhysicalDeviceProperties properties_{};
  VkPhysicalDeviceMemoryProperties memory_properties_{};
  std::string name_;
  bool map_device_buffers_ = false;
  uint32_t queue_family_ = 0;
  VkQueue queue_ = VK_NULL_HANDLE;
  VkCommandPool command_pool_ = VK_NULL_HANDLE;
  VkCommandBuffer commands_ = VK_NULL_HANDLE;
  VkFence fence_ = VK_NULL_HANDLE;
  VkDescriptorSetLayout set_layout_ = VK_NULL_HANDLE;
  VkPipelineLayout pipeline_layout_ = VK_NULL_HANDLE;
  VkDescriptorPool descriptor_pool_ = VK_NULL_HANDLE;
  VkPipelineCache pipeline_cache_ = VK_NULL_HANDLE;
  std::map<Shader, VkShaderModule> modules_;
  std::map<PipelineKey, VkPipeline> pipelines_;
  Allocation params_;  // a ring of ParamsBlock slots, one per dispatch of a batch
  Allocation dummy_;   // bound to unused operand slots
  Allocation staging_;
  size_t staging_capacity_ = 0;
  bool recording_ = false;
  uint32_t batch_dispatches_ = 0;
  std::vector<std::shared_ptr<Buffer>> batch_buffers_;  // kept alive until the batch completes
  std::unique_ptr<Primitives> primitives_;
};

}  // namespace tapml::backends::vulkan
