// One of TapML's own backends (cpu, vulkan, opencl, and the remote client)
// offered through the public provider ABI (include/tapml/provider.h), as a
// user's kernels are: the proof that the ABI carries everything TapML's own
// replays need. A provider library of a built-in backend
// (backends/providers/) is one line over this: its tapml_provider_get
// returns backend_as_provider("vulkan"); the remote one
// (remote/provider/) opens its backend from the address's settings.
//
// Each tapml_call is read back into a KernelCall (DLTensors into tensors on
// the backend's buffers, tagged values into Values) and run by the
// backend's kernel table; errors leave as status values, never exceptions.
// The table has no `self` pointer, so a library serves one backend.
#pragma once

#include <tapml/provider.h>

#include <cstdint>
#include <functional>

#include "backends/backend.h"
#include "backends/provider/provider_settings.h"

namespace tapml::backends {

// Opens the backend a provider library serves from the settings of its
// address (configure); throws BackendError to refuse them. The backend
// lives as long as the library.
using BackendOpener = std::function<const Backend&(const ProviderSettings& settings)>;

// The provider table serving the backend `open` returns, named `name` until
// it is open (then by the backend's name()), or NULL when that ABI major is
// not served. The first call's `open` is kept: a library serves one backend.
const tapml_provider* backend_as_provider(const char* name, uint32_t abi_major, BackendOpener open);

}  // namespace tapml::backends
