// The aten kernels of every backend: each aten op lowered once onto the
// primitives of backends/primitives.h. A backend's kernels() returns this
// table; its kernels run on whatever device they are handed, through
// Device::primitives().
#pragma once

#include "backends/backend.h"

namespace tapml::backends {

// The one table of lowered aten kernels, built on first use.
const KernelTable& lowered_kernels();

}  // namespace tapml::backends
