#include "backends/webgpu/webgpu_device.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "backends/webgpu/webgpu_kernels.h"

namespace tapml::backends::webgpu {
namespace {

WGPUStringView view(const std::string& s) { return {s.data(), s.size()}; }

struct WebGpuBuffer final : Buffer {
  WGPUBuffer handle = nullptr;
  size_t bytes = 0;
  size_t size() const override { return bytes; }
  ~WebGpuBuffer() override {
    if (handle != nullptr) api().wgpuBufferRelease(handle);
  }
};

const WebGpuBuffer& as_webgpu(const Buffer& buffer) {
  const auto* b = dynamic_cast<const WebGpuBuffer*>(&buffer);
  if (b == nullptr) throw BackendError("webgpu: a buffer of another device");
  return *b;
}

WGPUInstance make_instance() {
  // wgpu's Vulkan backend probes for a Wayland display to offer surfaces;
  // with XDG_RUNTIME_DIR unset, libwayland prints an error line for it on
  // every instance. TapML computes only: an empty runtime folder of its own
  // makes the probe fail quietly.
  if (std::getenv("XDG_RUNTIME_DIR") == nullptr) {
    static const std::string quiet = [] {
      std::string folder = "/tmp/tapml-xdg-" + std::to_string(::getuid());
      ::mkdir(folder.c_str(), 0700);
      return folder;
    }();
    ::setenv("XDG_RUNTIME_DIR", quiet.c_str(), 0);
  }
  // The primary backends (Vulkan, Metal, D3D12, and the browser's WebGPU):
  // OpenGL's compute is no target, and probing it prints EGL noise.
  WGPUInstanceExtras extras{};
  extras.chain.sType = static_cast<WGPUSType>(WGPUSType_InstanceExtras);
  extras.backends = WGPUInstanceBackend_Primary;
  WGPUInstanceDescriptor descriptor{};
  descriptor.nextInChain = &extras.chain;
  WGPUInstance instance = api().wgpuCreateInstance(&descriptor);
  if (instance == nullptr) throw BackendError("webgpu: wgpuCreateInstance failed");
  return instance;
}

std::vector<WGPUAdapter> enumerate(WGPUInstance instance) {
  const size_t count = api().wgpuInstanceEnumerateAdapters(instance, nullptr, nullptr);
  std::vector<WGPUAdapter> adapters(count);
  if (count > 0) api().wgpuInstanceEnumerateAdapters(instance, nullptr, adapters.data());
  return adapters;
}

std::string backend_name(WGPUBackendType type) {
  switch (type) {
    case WGPUBackendType_Vulkan:
      return "Vulkan";
    case WGPUBackendType_Metal:
      return "Metal";
    case WGPUBackendType_D3D12:
      return "D3D12";
    case WGPUBackendType_OpenGL:
      return "OpenGL";
    case WGPUBackendType_OpenGLES:
      return "OpenGLES";
    default:
      return "other";
  }
}

std::string label(int index, WGPUAdapter adapter) {
  WGPUAdapterInfo info{};
  api().wgpuAdapterGetInfo(adapter, &info);
  std::string name = "webgpu:" + std::to_string(index) + " " + text(info.device) + " (" +
                     backend_name(info.backendType);
  if (const std::string d = text(info.description); !d.empty()) name += ", " + d;
  api().wgpuAdapterInfoFreeMembers(info);
  return name + ")";
}

}  // namespace

std::vector<DeviceInfo> adapters() {
  WGPUInstance instance = make_instance();
  std::vector<DeviceInfo> infos;
  int index = 0;
  for (WGPUAdapter adapter : enumerate(instance)) {
    infos.push_back({index, label(index, adapter)});
    api().wgpuAdapterRelease(adapter);
    ++index;
  }
  api().wgpuInstanceRelease(instance);
  return infos;
}

struct WebGpuDevice::Pipeline {
  WGPUComputePipeline pipeline = nullptr;
  WGPUBindGroupLayout layout = nullptr;
  size_t inputs = 0;
  ~Pipeline() {
    if (layout != nullptr) api().wgpuBindGroupLayoutRelease(layout);
    if (pipeline != nullptr) api().wgpuComputePipelineRelease(pipeline);
  }
};

WebGpuDevice::WebGpuDevice(int index) {
  instance_ = make_instance();
  std::vector<WGPUAdapter> all = enumerate(instance_);
  if (index < 0 || static_cast<size_t>(index) >= all.size()) {
    for (WGPUAdapter a : all) api().wgpuAdapterRelease(a);
    api().wgpuInstanceRelease(instance_);
    throw BackendError("webgpu: no device " + std::to_string(index) + " (there are " +
                       std::to_string(all.size()) + ")");
  }
  adapter_ = all[static_cast<size_t>(index)];
  for (size_t i = 0; i < all.size(); ++i) {
    if (i != static_cast<size_t>(index)) api().wgpuAdapterRelease(all[i]);
  }
  name_ = label(index, adapter_);

  WGPULimits limits{};
  if (api().wgpuAdapterGetLimits(adapter_, &limits) != WGPUStatus_Success) {
    throw BackendError("webgpu: " + name_ + ": cannot read its limits");
  }
  max_binding_bytes_ = static_cast<size_t>(limits.maxStorageBufferBindingSize);

  WGPUDeviceDescriptor descriptor{};
  // Ask for the adapter's own limits: the defaults are far below a GPU's
  // (128 MiB storage bindings), and TapML cuts views to what is granted.
  descriptor.requiredLimits = &limits;
  descriptor.uncapturedErrorCallbackInfo.callback = [](WGPUDevice const*, WGPUErrorType,
                                                       WGPUStringView message, void* self, void*) {
    static_cast<WebGpuDevice*>(self)->error_ = text(message);
  };
  descriptor.uncapturedErrorCallbackInfo.userdata1 = this;
  descriptor.deviceLostCallbackInfo.mode = WGPUCallbackMode_AllowProcessEvents;
  descriptor.deviceLostCallbackInfo.callback = [](WGPUDevice const*, WGPUDeviceLostReason reason,
                                                  WGPUStringView message, void* self, void*) {
    if (reason != WGPUDeviceLostReason_Destroyed) {
      static_cast<WebGpuDevice*>(self)->error_ = "device lost: " + text(message);
    }
  };
  descriptor.deviceLostCallbackInfo.userdata1 = this;
  struct Request {
    bool done = false;
    WGPUDevice device = nullptr;
    std::string message;
  } request;
  WGPURequestDeviceCallbackInfo callback{};
  callback.mode = WGPUCallbackMode_AllowProcessEvents;
  callback.callback = [](WGPURequestDeviceStatus status, WGPUDevice device, WGPUStringView message,
                         void* out, void*) {
    auto* r = static_cast<Request*>(out);
    r->done = true;
    if (status == WGPURequestDeviceStatus_Success) r->device = device;
    r->message = text(message);
  };
  callback.userdata1 = &request;
  api().wgpuAdapterRequestDevice(adapter_, &descriptor, callback);
  while (!request.done) api().wgpuInstanceProcessEvents(instance_);
  if (request.device == nullptr) {
    throw BackendError("webgpu: " + name_ + ": cannot open it: " + request.message);
  }
  device_ = request.device;
  queue_ = api().wgpuDeviceGetQueue(device_);
}

WebGpuDevice::~WebGpuDevice() {
  pipelines_.clear();
  if (queue_ != nullptr) api().wgpuQueueRelease(queue_);
  if (device_ != nullptr) api().wgpuDeviceRelease(device_);
  if (adapter_ != nullptr) api().wgpuAdapterRelease(adapter_);
  if (instance_ != nullptr) api().wgpuInstanceRelease(instance_);
}

void WebGpuDevice::check_errors(const std::string& what) {
  api().wgpuInstanceProcessEvents(instance_);
  if (error_.empty()) return;
  std::string message = "webgpu: " + what + ": " + error_;
  const bool lost = error_.rfind("device lost", 0) == 0;
  error_.clear();
  if (lost) throw DeviceLost(message);
  throw BackendError(message);
}

void WebGpuDevice::wait_for(const bool& done) {
  while (!done) {
    api().wgpuDevicePoll(device_, /*wait=*/1, nullptr);
    api().wgpuInstanceProcessEvents(instance_);
  }
}

std::shared_ptr<Buffer> WebGpuDevice::alloc(size_t bytes) {
  auto buffer = std::make_shared<WebGpuBuffer>();
  buffer->bytes = bytes;
  WGPUBufferDescriptor descriptor{};
  descriptor.usage = WGPUBufferUsage_Storage | WGPUBufferUsage_CopySrc | WGPUBufferUsage_CopyDst;
  descriptor.size = std::max<size_t>(round_up4(bytes), 4);
  buffer->handle = api().wgpuDeviceCreateBuffer(device_, &descriptor);
  check_errors("allocating " + std::to_string(bytes) + " bytes");
  if (buffer->handle == nullptr) {
    throw BackendError("webgpu: cannot allocate " + std::to_string(bytes) + " bytes");
  }
  return buffer;
}

void WebGpuDevice::write_words(Buffer& dst, const void* src, size_t bytes, size_t offset) {
  api().wgpuQueueWriteBuffer(queue_, as_webgpu(dst).handle, offset, src, bytes);
  check_errors("upload");
}

void WebGpuDevice::read_words(const Buffer& src, void* dst, size_t bytes, size_t offset) {
  WGPUBufferDescriptor descriptor{};
  descriptor.usage = WGPUBufferUsage_MapRead | WGPUBufferUsage_CopyDst;
  descriptor.size = bytes;
  WGPUBuffer staging = api().wgpuDeviceCreateBuffer(device_, &descriptor);
  WGPUCommandEncoder encoder = api().wgpuDeviceCreateCommandEncoder(device_, nullptr);
  api().wgpuCommandEncoderCopyBufferToBuffer(encoder, as_webgpu(src).handle, offset, staging, 0,
                                             bytes);
  submit(encoder);
  struct Map {
    bool done = false;
    bool ok = false;
    std::string message;
  } map;
  WGPUBufferMapCallbackInfo callback{};
  callback.mode = WGPUCallbackMode_AllowProcessEvents;
  callback.callback = [](WGPUMapAsyncStatus status, WGPUStringView message, void* out, void*) {
    auto* m = static_cast<Map*>(out);
    m->done = true;
    m->ok = status == WGPUMapAsyncStatus_Success;
    m->message = text(message);
  };
  callback.userdata1 = &map;
  api().wgpuBufferMapAsync(staging, WGPUMapMode_Read, 0, bytes, callback);
  wait_for(map.done);
  if (map.ok) {
    std::memcpy(dst, api().wgpuBufferGetConstMappedRange(staging, 0, bytes), bytes);
    api().wgpuBufferUnmap(staging);
  }
  api().wgpuBufferRelease(staging);
  check_errors("download");
  if (!map.ok) throw BackendError("webgpu: download: " + map.message);
}

void WebGpuDevice::submit(WGPUCommandEncoder encoder) {
  WGPUCommandBuffer commands = api().wgpuCommandEncoderFinish(encoder, nullptr);
  api().wgpuQueueSubmit(queue_, 1, &commands);
  api().wgpuCommandBufferRelease(commands);
  api().wgpuCommandEncoderRelease(encoder);
}

void WebGpuDevice::copy(const Buffer& from, const Buffer& to) {
  WGPUCommandEncoder encoder = api().wgpuDeviceCreateCommandEncoder(device_, nullptr);
  api().wgpuCommandEncoderCopyBufferToBuffer(encoder, as_webgpu(from).handle, 0,
                                             as_webgpu(to).handle, 0,
                                             std::max<size_t>(round_up4(from.size()), 4));
  submit(encoder);
  check_errors("copy");
}

void WebGpuDevice::finish() {
  api().wgpuDevicePoll(device_, /*wait=*/1, nullptr);
  check_errors("finish");
}

WebGpuDevice::Pipeline& WebGpuDevice::pipeline(const std::string& kernel, size_t inputs) {
  const std::string key = kernel + "/" + std::to_string(inputs);
  if (auto found = pipelines_.find(key); found != pipelines_.end()) return *found->second;
  const std::string source = kernel_source(kernel, inputs);
  WGPUShaderSourceWGSL wgsl{};
  wgsl.chain.sType = WGPUSType_ShaderSourceWGSL;
  wgsl.code = view(source);
  WGPUShaderModuleDescriptor module_descriptor{};
  module_descriptor.nextInChain = &wgsl.chain;
  api().wgpuDevicePushErrorScope(device_, WGPUErrorFilter_Validation);
  WGPUShaderModule module = api().wgpuDeviceCreateShaderModule(device_, &module_descriptor);
  WGPUComputePipelineDescriptor descriptor{};
  descriptor.compute.module = module;
  const std::string entry = "main";
  descriptor.compute.entryPoint = view(entry);
  auto made = std::make_unique<Pipeline>();
  made->inputs = inputs;
  made->pipeline = api().wgpuDeviceCreateComputePipeline(device_, &descriptor);
  struct Scope {
    bool done = false;
    std::string message;
  } scope;
  WGPUPopErrorScopeCallbackInfo callback{};
  callback.mode = WGPUCallbackMode_AllowProcessEvents;
  callback.callback = [](WGPUPopErrorScopeStatus, WGPUErrorType type, WGPUStringView message,
                         void* out, void*) {
    auto* s = static_cast<Scope*>(out);
    s->done = true;
    if (type != WGPUErrorType_NoError) s->message = text(message);
  };
  callback.userdata1 = &scope;
  api().wgpuDevicePopErrorScope(device_, callback);
  wait_for(scope.done);
  if (module != nullptr) api().wgpuShaderModuleRelease(module);
  if (!scope.message.empty() || made->pipeline == nullptr) {
    throw BackendError("webgpu: kernel " + kernel + " does not build: " + scope.message);
  }
  made->layout = api().wgpuComputePipelineGetBindGroupLayout(made->pipeline, 0);
  return *(pipelines_[key] = std::move(made));
}

void WebGpuDevice::run_pass(const std::string& kernel, size_t inputs,
                            const std::vector<const Buffer*>& bindings, uint32_t groups) {
  Pipeline& p = pipeline(kernel, inputs);
  std::vector<WGPUBindGroupEntry> entries;
  for (const Buffer* buffer : bindings) {
    WGPUBindGroupEntry entry{};
    entry.binding = static_cast<uint32_t>(entries.size());
    entry.buffer = as_webgpu(*buffer).handle;
    entry.offset = 0;
    entry.size = WGPU_WHOLE_SIZE;
    entries.push_back(entry);
  }
  WGPUBindGroupDescriptor group_descriptor{};
  group_descriptor.layout = p.layout;
  group_descriptor.entryCount = entries.size();
  group_descriptor.entries = entries.data();
  WGPUBindGroup group = api().wgpuDeviceCreateBindGroup(device_, &group_descriptor);

  WGPUCommandEncoder encoder = api().wgpuDeviceCreateCommandEncoder(device_, nullptr);
  WGPUComputePassEncoder pass = api().wgpuCommandEncoderBeginComputePass(encoder, nullptr);
  api().wgpuComputePassEncoderSetPipeline(pass, p.pipeline);
  api().wgpuComputePassEncoderSetBindGroup(pass, 0, group, 0, nullptr);
  api().wgpuComputePassEncoderDispatchWorkgroups(pass, groups, 1, 1);
  api().wgpuComputePassEncoderEnd(pass);
  api().wgpuComputePassEncoderRelease(pass);
  submit(encoder);
  api().wgpuBindGroupRelease(group);
  check_errors(kernel);
}

}  // namespace tapml::backends::webgpu
