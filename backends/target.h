// Opening a target by name, in one place for every tool that runs kernels
// (tapml-replay, tapml-migrate and the offload mode, the generated suites):
// a backend built into TapML ("vulkan"), or a user's provider library
// (docs/providers.md) by path ("./libmine.so") or by name on
// TAPML_PROVIDER_PATH ("mine"). Every tool then says the same thing, in one
// line, about a target that names nothing it can load.
#pragma once

#include <string>

#include "backends/backend.h"

namespace tapml::backends {

// A target that names nothing loadable: bad input (exit 2) for the tools.
class TargetError : public BackendError {
 public:
  using BackendError::BackendError;
};

// The backend `target` names; `where` names the flag or key in the message
// ("--target", "offload_target"). Throws TargetError.
const Backend& resolve_target(const std::string& target, const std::string& where);

// "cpu, vulkan, opencl": the backends built in.
std::string built_in_targets();

}  // namespace tapml::backends
