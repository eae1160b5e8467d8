// The backends compiled into this build. GPU backends are optional
// (TAPML_WITH_VULKAN / TAPML_WITH_OPENCL); each folder exposes one factory.
#include "backends/backend.h"
#include "backends/cpu/cpu_backend.h"

#ifdef TAPML_WITH_VULKAN
#include "backends/vulkan/vulkan_backend.h"
#endif
#ifdef TAPML_WITH_OPENCL
#include "backends/opencl/opencl_backend.h"
#endif
#ifdef TAPML_WITH_WEBGPU
#include "backends/webgpu/webgpu_backend.h"
#endif

namespace tapml::backends {
namespace {

std::vector<const Backend*> compiled_backends() {
  return {
      &cpu_backend(),
#ifdef TAPML_WITH_VULKAN
      &vulkan_backend(),
#endif
#ifdef TAPML_WITH_OPENCL
      &opencl_backend(),
#endif
#ifdef TAPML_WITH_WEBGPU
      &webgpu_backend(),
#endif
  };
}

}  // namespace

std::vector<std::string> backend_names() {
  std::vector<std::string> names;
  for (const Backend* backend : compiled_backends()) names.push_back(backend->name());
  return names;
}

const Backend* find_backend(const std::string& name) {
  for (const Backend* backend : compiled_backends()) {
    if (backend->name() == name) return backend;
  }
  return nullptr;
}

}  // namespace tapml::backends
