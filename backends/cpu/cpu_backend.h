// The CPU backend: host buffers and plain reference C++ primitives. It is the
// reference the GPU backends are read against, so it favours clarity.
#pragma once

#include "backends/backend.h"

namespace tapml::backends {

const Backend& cpu_backend();

}  // namespace tapml::backends
