// The provider library of one of TapML's own backends (libtapml_provider_cpu.so,
// ..._vulkan.so, ..._opencl.so), built once per backend with
// TAPML_PROVIDER_BACKEND naming it (backends/providers/CMakeLists.txt). A
// built-in backend takes no settings.
#include "backends/provider/backend_as_provider.h"

#ifndef TAPML_PROVIDER_BACKEND
#error "backends/providers/CMakeLists.txt defines TAPML_PROVIDER_BACKEND"
#endif

namespace tapml::backends {
namespace {

const Backend& open_builtin(const ProviderSettings& settings) {
  const Backend* backend = find_backend(TAPML_PROVIDER_BACKEND);
  if (backend == nullptr) throw BackendError(TAPML_PROVIDER_BACKEND " is not built in");
  if (!settings.empty()) {
    throw BackendError(backend->name() + " takes no settings (given '" + settings.front().first +
                       "')");
  }
  return *backend;
}

}  // namespace
}  // namespace tapml::backends

TAPML_PROVIDER_EXPORT const tapml_provider* tapml_provider_get(uint32_t abi_major,
                                                               uint32_t /*abi_minor*/) {
  return tapml::backends::backend_as_provider(TAPML_PROVIDER_BACKEND, abi_major,
                                              tapml::backends::open_builtin);
}
