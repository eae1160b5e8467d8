// A loaded provider (provider_library.h) seen as a TapML backend, so that
// everything that runs kernels (the replayer first) runs the user's through
// the same Backend/Device/KernelTable interface as TapML's own: each
// KernelCall is described to the provider as a tapml_call of DLTensors and
// tagged values, its answer (a status and a message) turned back into
// TapML's errors. The aten semantics above the interface (outputs laid out
// as the reference laid them out, in-place and out= aliasing) stay TapML's.
#pragma once

#include <memory>
#include <string>

#include "backends/backend.h"
#include "backends/provider/provider_library.h"

namespace tapml::backends {

// The backend of the provider `target` names (a library path, or a name
// found on TAPML_PROVIDER_PATH), loaded and configured with `settings` once
// and kept for the process's life; nullptr when the target names no
// provider. Throws ProviderLoadError when it names one that cannot be
// loaded or refuses the settings.
const Backend* find_provider(const std::string& target, const ProviderSettings& settings = {});

// The backend of a provider table that comes from no library: the Python
// package's providers (python/bindings/python_provider.h) build one in
// process. `table` must outlive the backend.
std::unique_ptr<Backend> provider_backend(const tapml_provider& table);

}  // namespace tapml::backends
