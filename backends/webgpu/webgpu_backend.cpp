#include "backends/webgpu/webgpu_backend.h"

#include <memory>
#include <string>

#include "backends/lowering/lowering.h"
#include "backends/webgpu/webgpu_device.h"

namespace tapml::backends {
namespace {

class WebGpuBackend final : public Backend {
 public:
  std::string name() const override { return "webgpu"; }
  std::string numerics() const override { return webgpu::kWgslNumerics; }
  std::vector<DeviceInfo> devices() const override { return webgpu::adapters(); }
  std::unique_ptr<Device> open(int index) const override {
    return std::make_unique<webgpu::WebGpuDevice>(index);
  }
  const KernelTable& kernels() const override { return lowered_kernels(); }
};

}  // namespace

const Backend& webgpu_backend() {
  static const WebGpuBackend backend;
  return backend;
}

}  // namespace tapml::backends
