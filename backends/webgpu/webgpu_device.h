// A WebGPU device (wgpu-native over Vulkan, Metal or D3D12) as a TapML
// device: buffers of 32-bit words, the adapter's limits (maxStorageBufferBindingSize is the most a
// view may span, backends/lowering/split_views.h), and compute dispatch of
// the WGSL kernels in shaders/ with pipelines cached per kernel.
//
// The kernels' dispatch, shared with the browser tab, is WgslDevice's
// (wgsl_device.h); this class is the wgpu-native half.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "backends/backend.h"
#include "backends/webgpu/wgpu_api.h"
#include "backends/webgpu/wgsl_device.h"

namespace tapml::backends::webgpu {

// The adapters wgpu-native finds, in its order: "webgpu:0 llvmpipe (Vulkan)".
std::vector<DeviceInfo> adapters();

class WebGpuDevice final : public WgslDevice {
 public:
  explicit WebGpuDevice(int index);
  ~WebGpuDevice() override;
  WebGpuDevice(const WebGpuDevice&) = delete;
  WebGpuDevice& operator=(const WebGpuDevice&) = delete;

  std::string name() const override { return name_; }
  std::shared_ptr<Buffer> alloc(size_t bytes) override;
  void finish() override;
  size_t max_view_bytes() const override { return max_binding_bytes_; }

 protected:
  void run_pass(const std::string& kernel, size_t inputs,
                const std::vector<const Buffer*>& bindings, uint32_t groups) override;
  void copy(const Buffer& from, const Buffer& to) override;
  void write_words(Buffer& dst, const void* src, size_t bytes, size_t offset) override;
  void read_words(const Buffer& src, void* dst, size_t bytes, size_t offset) override;

 private:
  struct Pipeline;
  Pipeline& pipeline(const std::string& kernel, size_t inputs);
  void wait_for(const bool& done);
  void submit(WGPUCommandEncoder encoder);  // finishes, submits and releases it
  void check_errors(const std::string& what);

  std::string name_;
  WGPUInstance instance_ = nullptr;
  WGPUAdapter adapter_ = nullptr;
  WGPUDevice device_ = nullptr;
  WGPUQueue queue_ = nullptr;
  size_t max_binding_bytes_ = 0;
  std::string error_;  // the last uncaptured error or device loss
  std::map<std::string, std::unique_ptr<Pipeline>> pipelines_;
};

}  // namespace tapml::backends::webgpu
