// Opening a target by name, in one place for every tool that runs kernels
// (tapml-replay, tapml-migrate and the offload mode, the generated suites):
// a backend built into TapML ("vulkan"), or a user's provider library
// (docs/providers.md) by path ("./libmine.so") or by name on
// TAPML_PROVIDER_PATH ("mine"), with a device after a colon: "vulkan:1"
// (an index), "opencl:NVIDIA" (a substring of the device's name, any case),
// "./libmine.so:0", and settings for a provider after a question mark:
// "./libmine.so:0?tile=64". Every tool then says the same thing, in one line, about
// a target that names nothing it can load or a device it does not have.
// TapML's own backends are opened through their provider libraries
// (lib/providers/libtapml_provider_<name>.so, backends/providers/) when those
// lie beside the program, so everything runs through the public ABI.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "backends/backend.h"
#include "backends/provider/provider_library.h"

namespace tapml::backends {

// A target that names nothing loadable: bad input (exit 2) for the tools.
class TargetError : public BackendError {
 public:
  using BackendError::BackendError;
};

// A target of another kind, addressed as SCHEME://REST
// ("remote://host:port/vulkan"): a part above backends/ registers how to open
// it (remote/client/remote_scheme.h), IREE-HAL style, and every tool that
// resolves targets then accepts it. The factory gets REST and throws
// BackendError when it cannot open it. A scheme TapML also ships as a
// provider library (remote://, lib/providers) opens through the library
// unless the factory is `preferred`: a library is configured once per
// process, so a program that reaches several servers (the Python package)
// prefers its compiled-in factory.
using TargetFactory = std::function<std::unique_ptr<Backend>(const std::string& rest,
                                                             const ProviderSettings& settings)>;
void register_target_scheme(const std::string& scheme, TargetFactory factory,
                            bool preferred = false);

// A target split into what names the backend, the device selector (empty
// when none is given) and the settings for its provider:
// TARGET[:DEVICE][?KEY=VALUE[&KEY=VALUE...]]. Throws TargetError when a
// setting is not KEY=VALUE.
struct TargetAddress {
  std::string backend;        // "vulkan", "./libmine.so", "mine", "remote://h:7461/vulkan"
  std::string device;         // "1", "NVIDIA", ""
  ProviderSettings settings;  // {"tile", "64"}: the provider's configure gets them
};
TargetAddress parse_target(const std::string& target);

// The backend `target` names; `where` names the flag or key in the message
// ("--target", "offload_target"). Throws TargetError.
const Backend& resolve_target(const std::string& target, const std::string& where);

// The index of the device `target` selects on `backend`, or `fallback` (a
// --device flag's value) when it selects none. Throws TargetError naming the
// devices there are when none matches, and BackendError when the platform
// cannot list them.
int resolve_device(const std::string& target, const Backend& backend, int fallback,
                   const std::string& where);

// A target's backend with the device it names opened: what every tool that
// runs kernels does first. `fallback_device` is a --device flag's value,
// used when the target names no device. Throws TargetError when the target
// names nothing loadable or a device it lacks (bad input), BackendError when
// the platform cannot list or open its devices.
struct OpenedTarget {
  const Backend* backend = nullptr;
  int device_index = 0;
  std::unique_ptr<Device> device;
};
OpenedTarget open_target(const std::string& target, const std::string& where,
                         int fallback_device = 0);

// "cpu, vulkan, opencl": the backends built in.
std::string built_in_targets();

// What --list-targets shows of one target: a backend built in, or a
// provider found on TAPML_PROVIDER_PATH, with its devices, or why it
// cannot be used (`error`: a platform missing, a library that is no
// provider).
struct TargetListing {
  std::string name;      // "vulkan", or the name the provider declares
  std::string provider;  // the library's path; empty for a built-in backend
  std::string version;   // a provider's
  size_t ops = 0;        // a provider's op count
  std::vector<DeviceInfo> devices;
  bool loaded = true;  // false: a provider library that could not be loaded (`error` says why)
  std::string error;
};
std::vector<TargetListing> list_targets();

}  // namespace tapml::backends
