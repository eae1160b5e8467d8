#include "backends/vulkan/vulkan_device.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>

#include "backends/vulkan/vk_check.h"
#include "backends/vulkan/vulkan_primitives.h"

namespace tapml::backends::vulkan {
namespace {

// Dispatches per batch: each takes one descriptor set and one params slot.
constexpr uint32_t kBatchDispatches = 512;
constexpr VkDeviceSize kParamsSlot = 512;  // >= sizeof(ParamsBlock), a multiple of every offset alignment
static_assert(sizeof(ParamsBlock) <= kParamsSlot);
constexpr VkDeviceSize kDummyBytes = 16;
constexpr size_t kStagingChunk = size_t{64} << 20;
constexpr uint64_t kFenceTimeoutNs = uint64_t{600} * 1000 * 1000 * 1000;

constexpr VkBufferUsageFlags kBufferUsage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT |
                                            VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
                                            VK_BUFFER_USAGE_TRANSFER_DST_BIT;

size_t round_up(size_t value, size_t multiple) { return (value + multiple - 1) / multiple * multiple; }

std::optional<uint32_t> find_memory_type(const VkPhysicalDeviceMemoryProperties& properties,
                                         uint32_t type_bits, VkMemoryPropertyFlags required,
                                         VkMemoryPropertyFlags preferred) {
  for (VkMemoryPropertyFlags wanted : {required | preferred, required}) {
    for (uint32_t i = 0; i < properties.memoryTypeCount; ++i) {
      if ((type_bits & (1u << i)) != 0 &&
          (properties.memoryTypes[i].propertyFlags & wanted) == wanted) {
        return i;
      }
    }
  }
  return std::nullopt;
}

uint32_t compute_queue_family(VkPhysicalDevice physical) {
  uint32_t count = 0;
  vkGetPhysicalDeviceQueueFamilyProperties(physical, &count, nullptr);
  std::vector<VkQueueFamilyProperties> families(count);
  vkGetPhysicalDeviceQueueFamilyProperties(physical, &count, families.data());
  // Prefer a compute queue without graphics (an async compute queue), else any.
  std::optional<uint32_t> any;
  for (uint32_t i = 0; i < count; ++i) {
    if ((families[i].queueFlags & VK_QUEUE_COMPUTE_BIT) == 0) continue;
    if ((families[i].queueFlags & VK_QUEUE_GRAPHICS_BIT) == 0) return i;
    if (!any) any = i;
  }
  if (!any) throw BackendError("vulkan: the device has no compute queue");
  return *any;
}

// Shaders read every dtype as raw words and compute integers in int64.
VkPhysicalDeviceFeatures required_features(VkPhysicalDevice physical, const std::string& name) {
  VkPhysicalDeviceFeatures supported{};
  vkGetPhysicalDeviceFeatures(physical, &supported);
  VkPhysicalDeviceFeatures enabled{};
  std::string missing;
  auto require = [&](VkBool32 has, VkBool32& enable, const char* feature) {
    if (has) {
      enable = VK_TRUE;
    } else {
      missing += missing.empty() ? feature : std::string(", ") + feature;
    }
  };
  require(supported.shaderInt64, enabled.shaderInt64, "shaderInt64");
  require(supported.shaderFloat64, enabled.shaderFloat64, "shaderFloat64");
  require(supported.shaderStorageBufferArrayDynamicIndexing,
          enabled.shaderStorageBufferArrayDynamicIndexing,
          "shaderStorageBufferArrayDynamicIndexing");
  if (!missing.empty()) throw BackendError("vulkan: device " + name + " lacks " + missing);
  return enabled;
}

}  // namespace

std::string device_label(int index, const VkPhysicalDeviceProperties& properties) {
  return "vulkan:" + std::to_string(index) + " " + properties.deviceName;
}

DeviceHandle::~DeviceHandle() {
  if (device != VK_NULL_HANDLE) vkDestroyDevice(device, nullptr);
}

VulkanBuffer::VulkanBuffer(std::shared_ptr<const DeviceHandle> device, VkBuffer buffer,
                           VkDeviceMemory memory, size_t size, size_t capacity, void* mapped)
    : device_(std::move(device)),
      buffer_(buffer),
      memory_(memory),
      size_(size),
      capacity_(capacity),
      mapped_(mapped) {}

VulkanBuffer::~VulkanBuffer() {
  vkDestroyBuffer(device_->device, buffer_, nullptr);
  vkFreeMemory(device_->device, memory_, nullptr);
}

VulkanDevice::VulkanDevice(VkPhysicalDevice physical, int index, const VulkanOptions& options)
    : handle_(std::make_shared<DeviceHandle>()), physical_(physical) {
  vkGetPhysicalDeviceProperties(physical, &properties_);
  vkGetPhysicalDeviceMemoryProperties(physical, &memory_properties_);
  name_ = device_label(index, properties_);
  if (VK_API_VERSION_MINOR(properties_.apiVersion) < 1 &&
      VK_API_VERSION_MAJOR(properties_.apiVersion) == 1) {
    throw BackendError("vulkan: device " + name_ + " supports only Vulkan 1.0; 1.1 is needed");
  }
  // On CPUs and integrated GPUs device memory is host memory: map it and skip
  // staging. Discrete GPUs get device-local buffers and staging copies.
  bool shared_memory = properties_.deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU ||
                       properties_.deviceType == VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU;
  map_device_buffers_ = shared_memory && !options.force_staging;

  VkPhysicalDeviceFeatures features = required_features(physical, name_);
  queue_family_ = compute_queue_family(physical);
  float priority = 1.0f;
  auto queue_info = make_info<VkDeviceQueueCreateInfo>(VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO);
  queue_info.queueFamilyIndex = queue_family_;
  queue_info.queueCount = 1;
  queue_info.pQueuePriorities = &priority;
  auto device_info = make_info<VkDeviceCreateInfo>(VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO);
  device_info.queueCreateInfoCount = 1;
  device_info.pQueueCreateInfos = &queue_info;
  device_info.pEnabledFeatures = &features;
  TAPML_VK_CHECK(vkCreateDevice(physical, &device_info, nullptr, &handle_->device));
  device_ = handle_->device;
  vkGetDeviceQueue(device_, queue_family_, 0, &queue_);

  auto pool_info = make_info<VkCommandPoolCreateInfo>(VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO);
  pool_info.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
  pool_info.queueFamilyIndex = queue_family_;
  TAPML_VK_CHECK(vkCreateCommandPool(device_, &pool_info, nullptr, &command_pool_));
  auto command_info = make_info<VkCommandBufferAllocateInfo>(VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO);
  command_info.commandPool = command_pool_;
  command_info.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  command_info.commandBufferCount = 1;
  TAPML_VK_CHECK(vkAllocateCommandBuffers(device_, &command_info, &commands_));
  auto fence_info = make_info<VkFenceCreateInfo>(VK_STRUCTURE_TYPE_FENCE_CREATE_INFO);
  TAPML_VK_CHECK(vkCreateFence(device_, &fence_info, nullptr, &fence_));
  auto cache_info = make_info<VkPipelineCacheCreateInfo>(VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO);
  TAPML_VK_CHECK(vkCreatePipelineCache(device_, &cache_info, nullptr, &pipeline_cache_));
  create_layouts();

  params_ = allocate(kParamsSlot * kBatchDispatches, false, false);
  dummy_ = allocate(kDummyBytes, false, false);
  primitives_ = std::make_unique<VulkanPrimitives>(*this);
}

VulkanDevice::~VulkanDevice() {
  try {
    finish();
  } catch (const BackendError&) {
    // A lost device cannot be drained; destroy what we own regardless.
  }
  batch_buffers_.clear();
  primitives_.reset();
  for (auto& [key, pipeline] : pipelines_) vkDestroyPipeline(device_, pipeline, nullptr);
  for (auto& [shader, module] : modules_) vkDestroyShaderModule(device_, module, nullptr);
  destroy(params_);
  destroy(dummy_);
  destroy(staging_);
  vkDestroyPipelineCache(device_, pipeline_cache_, nullptr);
  vkDestroyDescriptorPool(device_, descriptor_pool_, nullptr);
  vkDestroyPipelineLayout(device_, pipeline_layout_, nullptr);
  vkDestroyDescriptorSetLayout(device_, set_layout_, nullptr);
  vkDestroyFence(device_, fence_, nullptr);
  vkDestroyCommandPool(device_, command_pool_, nullptr);
  // handle_ destroys the VkDevice once the last buffer is gone.
}

void VulkanDevice::create_layouts() {
  std::array<VkDescriptorSetLayoutBinding, 2> bindings{};
  bindings[0].binding = 0;
  bindings[0].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
  bindings[0].descriptorCount = 1;
  bindings[0].stageFlags = VK_SHADER_STAGE_COMPUTE_BIT;
  bindings[1] = bindings[0];
  bindings[1].binding = 1;
  bindings[1].descriptorCount = kMaxTensors;
  auto set_info = make_info<VkDescriptorSetLayoutCreateInfo>(VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO);
  set_info.bindingCount = static_cast<uint32_t>(bindings.size());
  set_info.pBindings = bindings.data();
  TAPML_VK_CHECK(vkCreateDescriptorSetLayout(device_, &set_info, nullptr, &set_layout_));

  VkPushConstantRange push_range{VK_SHADER_STAGE_COMPUTE_BIT, 0, sizeof(PushConstants)};
  auto layout_info = make_info<VkPipelineLayoutCreateInfo>(VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO);
  layout_info.setLayoutCount = 1;
  layout_info.pSetLayouts = &set_layout_;
  layout_info.pushConstantRangeCount = 1;
  layout_info.pPushConstantRanges = &push_range;
  TAPML_VK_CHECK(vkCreatePipelineLayout(device_, &layout_info, nullptr, &pipeline_layout_));

  VkDescriptorPoolSize pool_size{VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
                                 kBatchDispatches * (kMaxTensors + 1)};
  auto pool_info = make_info<VkDescriptorPoolCreateInfo>(VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO);
  pool_info.maxSets = kBatchDispatches;
  pool_info.poolSizeCount = 1;
  pool_info.pPoolSizes = &pool_size;
  TAPML_VK_CHECK(vkCreateDescriptorPool(device_, &pool_info, nullptr, &descriptor_pool_));
}

VulkanDevice::Allocation VulkanDevice::allocate(size_t capacity, bool host_access,
                                                bool device_buffer) {
  Allocation allocation;
  auto buffer_info = make_info<VkBufferCreateInfo>(VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO);
  buffer_info.size = capacity;
  buffer_info.usage = kBufferUsage;
  buffer_info.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  TAPML_VK_CHECK(vkCreateBuffer(device_, &buffer_info, nullptr, &allocation.buffer));
  VkMemoryRequirements requirements;
  vkGetBufferMemoryRequirements(device_, allocation.buffer, &requirements);
  constexpr VkMemoryPropertyFlags kHost =
      VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
  bool mapped = host_access || (device_buffer && map_device_buffers_);
  std::optional<uint32_t> type =
      mapped ? find_memory_type(memory_properties_, requirements.memoryTypeBits, kHost,
                                host_access ? VK_MEMORY_PROPERTY_HOST_CACHED_BIT
                                            : VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT)
             : find_memory_type(memory_properties_, requirements.memoryTypeBits,
                                VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT, 0);
  if (!mapped && !type) type = find_memory_type(memory_properties_, requirements.memoryTypeBits, 0, 0);
  if (!type) {
    vkDestroyBuffer(device_, allocation.buffer, nullptr);
    throw BackendError("vulkan: no memory type fits a buffer of " + std::to_string(capacity) +
                       " bytes");
  }
  auto memory_info = make_info<VkMemoryAllocateInfo>(VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO);
  memory_info.allocationSize = requirements.size;
  memory_info.memoryTypeIndex = *type;
  VkResult result = vkAllocateMemory(device_, &memory_info, nullptr, &allocation.memory);
  if (result == VK_SUCCESS) result = vkBindBufferMemory(device_, allocation.buffer, allocation.memory, 0);
  if (result == VK_SUCCESS && mapped) {
    result = vkMapMemory(device_, allocation.memory, 0, VK_WHOLE_SIZE, 0, &allocation.mapped);
  }
  if (result != VK_SUCCESS) {
    destroy(allocation);
    throw BackendError("vulkan: allocating " + std::to_string(capacity) +
                       " bytes failed: " + result_name(result));
  }
  return allocation;
}

void VulkanDevice::destroy(Allocation& allocation) {
  if (allocation.buffer != VK_NULL_HANDLE) vkDestroyBuffer(device_, allocation.buffer, nullptr);
  if (allocation.memory != VK_NULL_HANDLE) vkFreeMemory(device_, allocation.memory, nullptr);
  allocation = {};
}

std::shared_ptr<Buffer> VulkanDevice::alloc(size_t bytes) {
  size_t capacity = round_up(std::max<size_t>(bytes, 4), 4);
  Allocation allocation = allocate(capacity, false, true);
  return std::make_shared<VulkanBuffer>(handle_, allocation.buffer, allocation.memory, bytes,
                                        capacity, allocation.mapped);
}

const VulkanBuffer& VulkanDevice::vulkan_buffer(const Buffer& buffer) {
  const auto* vulkan = dynamic_cast<const VulkanBuffer*>(&buffer);
  if (vulkan == nullptr) throw BackendError("vulkan: a buffer of another backend was passed");
  return *vulkan;
}

void VulkanDevice::upload(Buffer& dst, const void* src, size_t bytes, size_t dst_offset) {
  const VulkanBuffer& buffer = vulkan_buffer(dst);
  if (dst_offset + bytes > buffer.size()) {
    throw BackendError("vulkan: upload of " + std::to_string(bytes) + " bytes at offset " +
                       std::to_string(dst_offset) + " overruns a buffer of " +
                       std::to_string(buffer.size()));
  }
  finish();  // queued kernels must read what was there before
  if (bytes == 0) return;
  if (buffer.mapped() != nullptr) {
    std::memcpy(static_cast<char*>(buffer.mapped()) + dst_offset, src, bytes);
  } else {
    staged_copy(buffer, dst_offset, bytes, src, nullptr);
  }
}

void VulkanDevice::download(const Buffer& src, void* dst, size_t bytes, size_t src_offset) {
  const VulkanBuffer& buffer = vulkan_buffer(src);
  if (src_offset + bytes > buffer.size()) {
    throw BackendError("vulkan: download of " + std::to_string(bytes) + " bytes at offset " +
                       std::to_string(src_offset) + " overruns a buffer of " +
                       std::to_string(buffer.size()));
  }
  finish();
  if (bytes == 0) return;
  if (buffer.mapped() != nullptr) {
    std::memcpy(dst, static_cast<const char*>(buffer.mapped()) + src_offset, bytes);
  } else {
    staged_copy(buffer, src_offset, bytes, nullptr, dst);
  }
}

void VulkanDevice::staged_copy(const VulkanBuffer& buffer, size_t offset, size_t bytes,
                               const void* from_host, void* to_host) {
  size_t chunk = std::min(bytes, kStagingChunk);
  if (staging_capacity_ < chunk) {
    destroy(staging_);
    staging_capacity_ = 0;
    staging_ = allocate(chunk, true, false);
    staging_capacity_ = chunk;
  }
  for (size_t done = 0; done < bytes; done += chunk) {
    size_t size = std::min(chunk, bytes - done);
    if (from_host != nullptr) {
      std::memcpy(staging_.mapped, static_cast<const char*>(from_host) + done, size);
    }
    begin_batch();
    VkBufferCopy region{};
    region.size = size;
    if (from_host != nullptr) {
      region.dstOffset = offset + done;
      vkCmdCopyBuffer(commands_, staging_.buffer, buffer.handle(), 1, &region);
    } else {
      region.srcOffset = offset + done;
      vkCmdCopyBuffer(commands_, buffer.handle(), staging_.buffer, 1, &region);
    }
    submit_and_wait();
    if (to_host != nullptr) std::memcpy(static_cast<char*>(to_host) + done, staging_.mapped, size);
  }
}

void VulkanDevice::begin_batch() {
  if (recording_) return;
  auto begin = make_info<VkCommandBufferBeginInfo>(VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO);
  begin.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
  TAPML_VK_CHECK(vkBeginCommandBuffer(commands_, &begin));
  recording_ = true;
}

void VulkanDevice::submit_and_wait() {
  if (!recording_) return;
  recording_ = false;
  // Make every write of the batch visible to the host and to later batches.
  auto barrier = make_info<VkMemoryBarrier>(VK_STRUCTURE_TYPE_MEMORY_BARRIER);
  barrier.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
  barrier.dstAccessMask = VK_ACCESS_HOST_READ_BIT;
  vkCmdPipelineBarrier(commands_,
                       VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
                       VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &barrier, 0, nullptr, 0, nullptr);
  TAPML_VK_CHECK(vkEndCommandBuffer(commands_));
  auto submit = make_info<VkSubmitInfo>(VK_STRUCTURE_TYPE_SUBMIT_INFO);
  submit.commandBufferCount = 1;
  submit.pCommandBuffers = &commands_;
  TAPML_VK_CHECK(vkQueueSubmit(queue_, 1, &submit, fence_));
  VkResult waited = vkWaitForFences(device_, 1, &fence_, VK_TRUE, kFenceTimeoutNs);
  batch_buffers_.clear();
  batch_dispatches_ = 0;
  check(waited, "vkWaitForFences");
  TAPML_VK_CHECK(vkResetFences(device_, 1, &fence_));
  TAPML_VK_CHECK(vkResetCommandBuffer(commands_, 0));
  TAPML_VK_CHECK(vkResetDescriptorPool(device_, descriptor_pool_, 0));
}

void VulkanDevice::finish() { submit_and_wait(); }

uint32_t VulkanDevice::max_group_count() const {
  return std::min(properties_.limits.maxComputeWorkGroupCount[0], 65535u);
}

uint32_t VulkanDevice::grid_groups(int64_t items, uint32_t group_size) const {
  // lavapipe spreads workgroups over its threads and pays for each; a few per
  // thread balance the load. GPUs want the whole grid.
  uint32_t cap = properties_.deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU ? 64u : max_group_count();
  int64_t groups = (items + group_size - 1) / group_size;
  return static_cast<uint32_t>(std::clamp<int64_t>(groups, 1, cap));
}

VkPipeline VulkanDevice::pipeline(const PipelineKey& key) {
  if (auto found = pipelines_.find(key); found != pipelines_.end()) return found->second;
  Shader shader = key.first;
  VkShaderModule& module = modules_[shader];
  if (module == VK_NULL_HANDLE) {
    std::span<const uint32_t> code = shader_spirv(shader);
    auto module_info =
        make_info<VkShaderModuleCreateInfo>(VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO);
    module_info.codeSize = code.size_bytes();
    module_info.pCode = code.data();
    TAPML_VK_CHECK(vkCreateShaderModule(device_, &module_info, nullptr, &module));
  }
  std::vector<VkSpecializationMapEntry> entries;
  std::vector<uint32_t> values;
  for (auto [id, value] : key.second) {
    entries.push_back({id, static_cast<uint32_t>(values.size() * sizeof(uint32_t)),
                       sizeof(uint32_t)});
    values.push_back(value);
  }
  VkSpecializationInfo spec_info{static_cast<uint32_t>(entries.size()), entries.data(),
                                 values.size() * sizeof(uint32_t), values.data()};
  auto info =
      make_info<VkComputePipelineCreateInfo>(VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO);
  info.stage.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO;
  info.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
  info.stage.module = module;
  info.stage.pName = "main";
  info.stage.pSpecializationInfo = &spec_info;
  info.layout = pipeline_layout_;
  VkPipeline pipeline = VK_NULL_HANDLE;
  VkResult result =
      vkCreateComputePipelines(device_, pipeline_cache_, 1, &info, nullptr, &pipeline);
  if (result != VK_SUCCESS) {
    throw BackendError(std::string("vulkan: vkCreateComputePipelines failed for shader ") +
                       shader_name(shader) + ": " + result_name(result));
  }
  pipelines_.emplace(key, pipeline);
  return pipeline;
}

VkDescriptorBufferInfo VulkanDevice::bind_range(const Operand& operand, TensorDesc& desc) const {
  if (operand.tensor == nullptr || desc.numel == 0) return {dummy_.buffer, 0, kDummyBytes};
  const VulkanBuffer& buffer = vulkan_buffer(*operand.tensor->buffer);
  size_t element = dtype_size(operand.tensor->dtype);
  uint64_t last = desc.offset;
  for (uint32_t d = 0; d < desc.rank; ++d) last += uint64_t{desc.sizes[d] - 1} * desc.strides[d];
  uint64_t begin = uint64_t{desc.offset} * element;
  uint64_t end = round_up((last + 1) * element, 4);
  if (end > buffer.capacity()) {
    throw BackendError("vulkan: a tensor view reaches byte " + std::to_string(end) +
                       " of a buffer of " + std::to_string(buffer.capacity()));
  }
  uint64_t base = begin / properties_.limits.minStorageBufferOffsetAlignment *
                  properties_.limits.minStorageBufferOffsetAlignment;
  uint64_t range = end - base;
  if (range > properties_.limits.maxStorageBufferRange) {
    throw BackendError("vulkan: a tensor view spans " + std::to_string(range) +
                       " bytes, more than this device's maxStorageBufferRange " +
                       std::to_string(properties_.limits.maxStorageBufferRange));
  }
  desc.offset = static_cast<uint32_t>((begin - base) / element);
  return {buffer.handle(), base, range};
}

void VulkanDevice::dispatch(Shader shader, const Specialization& spec,
                            std::span<const Operand> operands, const PushConstants& push,
                            GroupCount groups) {
  if (operands.size() > kMaxTensors) throw BackendError("vulkan: too many operands");
  PipelineKey key{shader, {}};
  for (size_t i = 0; i < spec.shader.size(); ++i) {
    key.second.emplace_back(static_cast<uint32_t>(i), spec.shader[i]);
  }
  key.second.emplace_back(kSpecOpId, spec.op);
  key.second.emplace_back(kSpecFlagsId, spec.flags);
  key.second.emplace_back(kSpecModeId, spec.mode);
  for (size_t slot = 0; slot < operands.size(); ++slot) {
    const Tensor* tensor = operands[slot].tensor;
    key.second.emplace_back(kSpecDtypeId + static_cast<uint32_t>(slot),
                            tensor == nullptr ? 0u : static_cast<uint32_t>(tensor->dtype));
  }
  VkPipeline compute = pipeline(key);
  if (batch_dispatches_ == kBatchDispatches) submit_and_wait();
  begin_batch();

  ParamsBlock params{};
  std::array<VkDescriptorBufferInfo, kMaxTensors + 1> infos{};
  for (size_t slot = 0; slot < kMaxTensors; ++slot) {
    if (slot < operands.size()) {
      params[slot] = operands[slot].desc;
      infos[slot + 1] = bind_range(operands[slot], params[slot]);
      if (operands[slot].tensor != nullptr) batch_buffers_.push_back(operands[slot].tensor->buffer);
    } else {
      infos[slot + 1] = {dummy_.buffer, 0, kDummyBytes};
    }
  }
  VkDeviceSize params_offset = kParamsSlot * batch_dispatches_;
  infos[0] = {params_.buffer, params_offset, sizeof(ParamsBlock)};

  auto set_info = make_info<VkDescriptorSetAllocateInfo>(VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO);
  set_info.descriptorPool = descriptor_pool_;
  set_info.descriptorSetCount = 1;
  set_info.pSetLayouts = &set_layout_;
  VkDescriptorSet set = VK_NULL_HANDLE;
  TAPML_VK_CHECK(vkAllocateDescriptorSets(device_, &set_info, &set));
  std::array<VkWriteDescriptorSet, 2> writes{};
  for (uint32_t binding = 0; binding < 2; ++binding) {
    writes[binding].sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET;
    writes[binding].dstSet = set;
    writes[binding].dstBinding = binding;
    writes[binding].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
    writes[binding].descriptorCount = binding == 0 ? 1 : kMaxTensors;
    writes[binding].pBufferInfo = &infos[binding == 0 ? 0 : 1];
  }
  vkUpdateDescriptorSets(device_, static_cast<uint32_t>(writes.size()), writes.data(), 0, nullptr);
  ++batch_dispatches_;

  vkCmdUpdateBuffer(commands_, params_.buffer, params_offset, sizeof(ParamsBlock), &params);
  // Orders this dispatch after the params update and after every earlier
  // dispatch or copy of the batch (any of which may have written its inputs).
  auto barrier = make_info<VkMemoryBarrier>(VK_STRUCTURE_TYPE_MEMORY_BARRIER);
  barrier.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
  barrier.dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT;
  vkCmdPipelineBarrier(commands_,
                       VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
                       VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0, 1, &barrier, 0, nullptr, 0,
                       nullptr);
  vkCmdBindPipeline(commands_, VK_PIPELINE_BIND_POINT_COMPUTE, compute);
  vkCmdBindDescriptorSets(commands_, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline_layout_, 0, 1, &set,
                          0, nullptr);
  vkCmdPushConstants(commands_, pipeline_layout_, VK_SHADER_STAGE_COMPUTE_BIT, 0,
                     sizeof(PushConstants), &push);
  vkCmdDispatch(commands_, groups.x, groups.y, groups.z);
}

}  // namespace tapml::backends::vulkan
