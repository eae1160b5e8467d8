// Loading a provider (include/tapml/provider.h) from a shared library: find
// it (a path, or a name on TAPML_PROVIDER_PATH), dlopen it, look up its one
// entry point, and check what it returns (ABI major, the table's size, the
// functions every provider must have) before anything calls through it. A
// provider that fails any check is refused with one line saying which and
// what to do, never half-loaded.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "backends/backend.h"
#include "backends/provider/provider_settings.h"

struct tapml_provider;

namespace tapml::backends {

// A provider that cannot be loaded: one line, bad input for the tools (exit 2).
class ProviderLoadError : public BackendError {
 public:
  using BackendError::BackendError;
};

// A provider that refused the settings its address gave it (its configure
// failed): `reason` is the provider's own line, for callers that name the
// target their own way (remote://).
class ProviderRefusedSettings : public ProviderLoadError {
 public:
  ProviderRefusedSettings(const std::string& what, std::string reason)
      : ProviderLoadError(what), reason_(std::move(reason)) {}
  const std::string& reason() const { return reason_; }

 private:
  std::string reason_;
};

// Whether a target names a provider library rather than a built-in backend:
// a path ("./libmine.so", "/opt/k/libk.so") or a file name ending in ".so".
bool names_provider_library(const std::string& target);

// The library a target names: a path as given, else lib<name>.so or
// <name>.so in the folders of TAPML_PROVIDER_PATH (':'-separated); "" when
// none is found.
std::string find_provider_library(const std::string& target);

// The libraries found in TAPML_PROVIDER_PATH's folders (*.so).
std::vector<std::string> provider_libraries_on_path();

// Loads, checks and configures a provider (its `configure`, ABI 1.1, gets
// `settings`; a provider without one refuses any). The library stays loaded
// for the process's life (a table's functions may be called until exit) and
// is configured once: asking for it again with other settings is refused.
// Throws ProviderLoadError.
const tapml_provider& load_provider_library(const std::string& path,
                                            const ProviderSettings& settings = {});

// The version string of the provider at `path` (loads it). Throws
// ProviderLoadError.
std::string provider_version(const std::string& path);

}  // namespace tapml::backends
