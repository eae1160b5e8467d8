#include "backends/target.h"

#include "backends/provider/provider_backend.h"
#include "backends/provider/provider_library.h"

namespace tapml::backends {

std::string built_in_targets() {
  std::string names;
  for (const std::string& name : backend_names()) names += (names.empty() ? "" : ", ") + name;
  return names;
}

const Backend& resolve_target(const std::string& target, const std::string& where) {
  if (const Backend* backend = find_backend(target)) return *backend;
  const Backend* provider = nullptr;
  try {
    provider = find_provider(target);
  } catch (const ProviderLoadError& e) {
    throw TargetError(where + " " + e.what());
  }
  if (provider == nullptr) {
    throw TargetError(where + ": no target '" + target + "' (built in: " + built_in_targets() +
                      "; a provider is a library path or a name on TAPML_PROVIDER_PATH)");
  }
  return *provider;
}

}  // namespace tapml::backends
