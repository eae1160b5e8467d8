// One of TapML's own backends (cpu, vulkan, opencl) offered through the
// public provider ABI (include/tapml/provider.h), as a user's kernels are:
// the proof that the ABI carries everything TapML's own replays need. A
// provider library of a built-in backend (backends/providers/) is one line
// over this: its tapml_provider_get returns backend_as_provider("vulkan").
//
// Each tapml_call is read back into a KernelCall (DLTensors into tensors on
// the backend's buffers, tagged values into Values) and run by the
// backend's kernel table; errors leave as status values, never exceptions.
// The table has no `self` pointer, so a library serves one backend.
#pragma once

#include <tapml/provider.h>

#include <cstdint>

namespace tapml::backends {

// The provider table of the built-in backend `name`, or NULL when that ABI
// major is not served.
const tapml_provider* backend_as_provider(const char* name, uint32_t abi_major);

}  // namespace tapml::backends
