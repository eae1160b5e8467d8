#include "backends/target.h"

#include <algorithm>
#include <cctype>

#include "backends/provider/provider_backend.h"
#include "backends/provider/provider_library.h"

namespace tapml::backends {

std::string built_in_targets() {
  std::string names;
  for (const std::string& name : backend_names()) names += (names.empty() ? "" : ", ") + name;
  return names;
}

namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

bool all_digits(const std::string& text) {
  return !text.empty() && std::all_of(text.begin(), text.end(),
                                      [](unsigned char c) { return std::isdigit(c) != 0; });
}

}  // namespace

std::vector<TargetListing> list_targets() {
  std::vector<TargetListing> listed;
  auto with_devices = [](TargetListing entry, const Backend& backend) {
    try {
      entry.devices = backend.devices();
    } catch (const BackendError& e) {
      entry.error = e.what();
    }
    return entry;
  };
  for (const std::string& name : backend_names()) {
    TargetListing entry;
    entry.name = name;
    listed.push_back(with_devices(entry, *find_backend(name)));
  }
  for (const std::string& path : provider_libraries_on_path()) {
    TargetListing entry;
    entry.name = path;
    entry.provider = path;
    try {
      const Backend* provider = find_provider(path);
      entry.name = provider->name();
      entry.version = provider_version(path);
      entry.ops = provider->kernels().ops().size();
      listed.push_back(with_devices(entry, *provider));
    } catch (const ProviderLoadError& e) {
      entry.error = e.what();
      listed.push_back(entry);
    }
  }
  return listed;
}

TargetAddress parse_target(const std::string& target) {
  // The last colon, unless what follows it is part of a path.
  const size_t colon = target.rfind(':');
  if (colon == std::string::npos || colon == 0 || target.find('/', colon) != std::string::npos) {
    return {target, ""};
  }
  return {target.substr(0, colon), target.substr(colon + 1)};
}

int resolve_device(const std::string& target, const Backend& backend, int fallback,
                   const std::string& where) {
  const TargetAddress address = parse_target(target);
  if (address.device.empty()) return fallback;
  const std::vector<DeviceInfo> devices = backend.devices();
  std::string listed;
  for (const DeviceInfo& device : devices) {
    listed += (listed.empty() ? "" : ", ") + std::to_string(device.index) + " " + device.name;
  }
  if (listed.empty()) listed = "none";
  if (all_digits(address.device)) {
    const long index = std::stol(address.device);
    for (const DeviceInfo& device : devices) {
      if (device.index == index) return device.index;
    }
    throw TargetError(where + " " + target + ": " + address.backend + " has no device " +
                      address.device + " (devices: " + listed + ")");
  }
  for (const DeviceInfo& device : devices) {
    if (lower(device.name).find(lower(address.device)) != std::string::npos) return device.index;
  }
  throw TargetError(where + " " + target + ": no device of " + address.backend + " has '" +
                    address.device + "' in its name (devices: " + listed + ")");
}

const Backend& resolve_target(const std::string& full_target, const std::string& where) {
  const std::string target = parse_target(full_target).backend;
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
