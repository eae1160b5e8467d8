// A WebGPU device (wgpu-native over Vulkan, Metal or D3D12) as a TapML
// device: buffers of 32-bit words (WebGPU's copies and storage bindings are
// word-granular; uploads and downloads of any byte range are patched around
// that), the adapter's limits (maxStorageBufferBindingSize is the most a
// view may span, backends/lowering/split_views.h), and compute dispatch of
// the WGSL kernels in shaders/ with pipelines cached per kernel.
//
// The WebGPU backend is being built primitive by primitive (docs/webgpu.md):
// until every primitive of backends/primitives.h has its kernel, it is not
// offered as a target, and primitives() refuses the missing ones by name.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "backends/backend.h"
#include "backends/primitives.h"
#include "backends/shader_tensor_desc.h"
#include "backends/webgpu/wgpu_api.h"

namespace tapml::backends::webgpu {

inline constexpr int kMaxTensors = 6;

// TensorDesc in shaders/common.wgsl (backends/shader_tensor_desc.h, shared
// with Vulkan).
using TensorDesc = ShaderTensorDesc;

// Mirrors Params in shaders/common.wgsl.
struct Params {
  uint32_t n = 0;
  uint32_t m = 0;
  uint32_t k = 0;
  uint32_t flags = 0;
  float fa = 0;
  float fb = 0;
  int32_t ia = 0;
  int32_t ib = 0;
  TensorDesc desc[kMaxTensors] = {};
};

// The adapters wgpu-native finds, in its order: "webgpu:0 llvmpipe (Vulkan)".
std::vector<DeviceInfo> adapters();

class WebGpuDevice final : public Device {
 public:
  explicit WebGpuDevice(int index);
  ~WebGpuDevice() override;
  WebGpuDevice(const WebGpuDevice&) = delete;
  WebGpuDevice& operator=(const WebGpuDevice&) = delete;

  std::string name() const override { return name_; }
  std::shared_ptr<Buffer> alloc(size_t bytes) override;
  void upload(Buffer& dst, const void* src, size_t bytes, size_t dst_offset) override;
  void download(const Buffer& src, void* dst, size_t bytes, size_t src_offset) override;
  void finish() override;
  Primitives& primitives() override;
  size_t max_view_bytes() const override { return max_binding_bytes_; }

  // Runs kernel `kernel` (a file of shaders/, without .wgsl) over `tensors`
  // (slot 0 the output, then the inputs): `groups` workgroups of 256, or by
  // default enough for `params.n` work items (kernels loop grid-stride).
  // Fills params.desc from the tensors. Throws BackendError with WebGPU's
  // message on a validation or device error, and when the kernel met an
  // int64 outside i32's range.
  void dispatch(const std::string& kernel, Params params, const std::vector<const Tensor*>& tensors,
                uint32_t groups = 0);

 private:
  struct Pipeline;
  Pipeline& pipeline(const std::string& kernel, size_t inputs);
  void wait_for(const bool& done);
  void copy(const Buffer& from, const Buffer& to);  // whole buffers of one size
  void submit(WGPUCommandEncoder encoder);          // finishes, submits and releases it
  void check_errors(const std::string& what);

  std::string name_;
  WGPUInstance instance_ = nullptr;
  WGPUAdapter adapter_ = nullptr;
  WGPUDevice device_ = nullptr;
  WGPUQueue queue_ = nullptr;
  size_t max_binding_bytes_ = 0;
  std::string error_;  // the last uncaptured error or device loss
  std::map<std::string, std::unique_ptr<Pipeline>> pipelines_;
  std::unique_ptr<Primitives> primitives_;
};

}  // namespace tapml::backends::webgpu
