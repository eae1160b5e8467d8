#include "backends/webgpu/webgpu_device.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "backends/webgpu/webgpu_kernels.h"
#include "backends/webgpu/webgpu_primitives.h"

namespace tapml::backends::webgpu {
namespace {

WGPUStringView view(const std::string& s) { return {s.data(), s.size()}; }

size_t round_up4(size_t n) { return (n + 3) & ~size_t{3}; }

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
  primitives_ = make_primitives(*this);
}

WebGpuDevice::~WebGpuDevice() {
  primitives_.reset();
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

void WebGpuDevice::upload(Buffer& dst, const void* src, size_t bytes, size_t dst_offset) {
  if (bytes == 0) return;
  const WebGpuBuffer& buffer = as_webgpu(dst);
  // WebGPU writes whole words at word offsets: a ragged range is widened to
  // its words, the bytes around it read back first.
  const size_t begin = dst_offset & ~size_t{3};
  const size_t end = round_up4(dst_offset + bytes);
  if (begin == dst_offset && end == dst_offset + bytes) {
    api().wgpuQueueWriteBuffer(queue_, buffer.handle, dst_offset, src, bytes);
  } else {
    std::vector<std::byte> words(end - begin);
    download(dst, words.data(), end - begin, begin);
    std::memcpy(words.data() + (dst_offset - begin), src, bytes);
    api().wgpuQueueWriteBuffer(queue_, buffer.handle, begin, words.data(), words.size());
  }
  check_errors("upload");
}

void WebGpuDevice::download(const Buffer& src, void* dst, size_t bytes, size_t src_offset) {
  if (bytes == 0) return;
  const WebGpuBuffer& buffer = as_webgpu(src);
  const size_t begin = src_offset & ~size_t{3};
  const size_t size = round_up4(src_offset + bytes) - begin;
  WGPUBufferDescriptor descriptor{};
  descriptor.usage = WGPUBufferUsage_MapRead | WGPUBufferUsage_CopyDst;
  descriptor.size = size;
  WGPUBuffer staging = api().wgpuDeviceCreateBuffer(device_, &descriptor);
  WGPUCommandEncoder encoder = api().wgpuDeviceCreateCommandEncoder(device_, nullptr);
  api().wgpuCommandEncoderCopyBufferToBuffer(encoder, buffer.handle, begin, staging, 0, size);
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
  api().wgpuBufferMapAsync(staging, WGPUMapMode_Read, 0, size, callback);
  wait_for(map.done);
  if (map.ok) {
    const auto* mapped =
        static_cast<const std::byte*>(api().wgpuBufferGetConstMappedRange(staging, 0, size));
    std::memcpy(dst, mapped + (src_offset - begin), bytes);
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

Primitives& WebGpuDevice::primitives() { return *primitives_; }

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

void WebGpuDevice::dispatch(const std::string& kernel, Params params,
                            const std::vector<const Tensor*>& tensors, uint32_t groups) {
  if (tensors.empty() || tensors.size() > static_cast<size_t>(kMaxTensors)) {
    throw BackendError("webgpu: " + kernel + ": 1 to 6 tensors, got " +
                       std::to_string(tensors.size()));
  }
  for (size_t t = 0; t < tensors.size(); ++t) {
    const Tensor& tensor = *tensors[t];
    if (tensor.rank() > kMaxRank) {
      throw BackendError("webgpu: rank " + std::to_string(tensor.rank()) + " > " +
                         std::to_string(kMaxRank));
    }
    TensorDesc& d = params.desc[t];
    d.dtype = static_cast<uint32_t>(tensor.dtype);
    d.offset = static_cast<uint32_t>(tensor.offset);
    d.rank = static_cast<uint32_t>(tensor.rank());
    d.numel = static_cast<uint32_t>(tensor.numel());
    for (size_t i = 0; i < tensor.sizes.size(); ++i) {
      d.sizes[i] = static_cast<uint32_t>(tensor.sizes[i]);
      d.strides[i] = static_cast<uint32_t>(tensor.strides[i]);
    }
  }
  if (params.n == 0) return;
  Pipeline& p = pipeline(kernel, tensors.size() - 1);

  const std::shared_ptr<Buffer> param_buffer = alloc(sizeof(Params));
  upload(*param_buffer, &params, sizeof(Params), 0);
  const std::shared_ptr<Buffer> status = alloc(4);  // WebGPU zero-fills new buffers

  std::vector<WGPUBindGroupEntry> entries;
  auto bind = [&](uint32_t binding, const Buffer& buffer) {
    WGPUBindGroupEntry entry{};
    entry.binding = binding;
    entry.buffer = as_webgpu(buffer).handle;
    entry.offset = 0;
    entry.size = WGPU_WHOLE_SIZE;
    entries.push_back(entry);
  };
  bind(0, *param_buffer);
  bind(1, *status);
  bind(2, *tensors[0]->buffer);
  // WebGPU forbids a buffer bound writable and readable in one dispatch: an
  // input that lives in the output's buffer is read from a copy of it.
  std::vector<std::shared_ptr<Buffer>> copies;
  for (size_t t = 1; t < tensors.size(); ++t) {
    const Buffer* source = tensors[t]->buffer.get();
    if (source == tensors[0]->buffer.get()) {
      copies.push_back(alloc(source->size()));
      copy(*source, *copies.back());
      source = copies.back().get();
    }
    bind(static_cast<uint32_t>(2 + t), *source);
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
  if (groups == 0) groups = (params.n + 255) / 256;
  api().wgpuComputePassEncoderDispatchWorkgroups(pass, std::min<uint32_t>(groups, 65535), 1, 1);
  api().wgpuComputePassEncoderEnd(pass);
  api().wgpuComputePassEncoderRelease(pass);
  submit(encoder);
  api().wgpuBindGroupRelease(group);
  check_errors(kernel);

  // Only a kernel touching int64 can mark the status: reading it waits for
  // the kernel, which the others are spared.
  const bool int64 = std::any_of(tensors.begin(), tensors.end(),
                                 [](const Tensor* t) { return t->dtype == DType::Int64; });
  if (!int64) return;
  uint32_t flags = 0;
  download(*status, &flags, 4, 0);
  if ((flags & 1u) != 0) {
    throw CallUnsupported("webgpu: " + kernel +
                          ": an int64 value outside int32's range (WGSL has no 64-bit "
                          "integers; TapML does not wrap it silently)");
  }
}

}  // namespace tapml::backends::webgpu
