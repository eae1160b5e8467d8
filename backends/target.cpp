#include "backends/target.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>

#include "backends/provider/provider_backend.h"
#include "backends/provider/provider_library.h"
#include "common/own_path.h"

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

struct Schemes {
  std::mutex mutex;
  std::map<std::string, TargetFactory> factories;
  std::map<std::string, std::unique_ptr<Backend>> opened;  // kept for the process's life
  std::set<std::string> preferred;  // registered factories that win over a provider library
};

Schemes& schemes() {
  static Schemes instance;
  return instance;
}

// TapML's own backend `name` as a provider library (backends/providers/),
// when one lies in lib/providers beside this program; "" otherwise (a test
// of the backends themselves, a build without them).
std::string builtin_provider_library(const std::string& name) {
  // For measuring what the seam costs, and for telling a seam bug from a
  // kernel bug: the code compiled into the program instead.
  if (const char* off = std::getenv("TAPML_COMPILED_IN_BACKENDS"); off && *off && *off != '0') {
    return "";
  }
  std::error_code error;
  const std::filesystem::path path =
      lib_folder() / "providers" / ("libtapml_provider_" + name + ".so");
  return std::filesystem::exists(path, error) ? path.string() : "";
}

// The backend of a SCHEME://REST target, opened once. remote:// through
// TapML's remote provider library (lib/providers) when it is there, as
// every other target is; otherwise by the factory a part above registered.
const Backend& open_scheme_target(const TargetAddress& address, const std::string& where) {
  const std::string& target = address.backend;
  const size_t separator = target.find("://");
  const std::string scheme = target.substr(0, separator);
  const std::string rest = target.substr(separator + 3);
  bool preferred = false;
  {
    Schemes& s = schemes();
    const std::lock_guard lock(s.mutex);
    preferred = s.preferred.count(scheme) != 0 && s.factories.count(scheme) != 0;
  }
  if (scheme == "remote" && !preferred) {
    if (const std::string library = builtin_provider_library("remote"); !library.empty()) {
      const size_t slash = rest.find('/');
      if (slash == std::string::npos || slash == 0 || slash + 1 == rest.size()) {
        throw TargetError(
            where + " " + target +
            ": expected remote://HOST:PORT/TARGET (e.g. remote://gpu-box:7461/vulkan)");
      }
      ProviderSettings settings = {{"address", rest.substr(0, slash)},
                                   {"target", rest.substr(slash + 1)}};
      settings.insert(settings.end(), address.settings.begin(), address.settings.end());
      try {
        return *find_provider(library, settings);
      } catch (const ProviderRefusedSettings& e) {
        throw TargetError(where + " " + target + ": " + e.reason());
      } catch (const ProviderLoadError& e) {
        throw TargetError(where + " " + target + ": " + e.what());
      }
    }
  }
  Schemes& s = schemes();
  std::lock_guard lock(s.mutex);
  const std::string key = target + "?" + settings_text(address.settings);
  if (auto it = s.opened.find(key); it != s.opened.end()) return *it->second;
  const auto factory = s.factories.find(scheme);
  if (factory == s.factories.end()) {
    throw TargetError(where + " " + target + ": this program opens no " + scheme + ":// targets" +
                      (scheme == "remote" ? " (built without remote support)" : ""));
  }
  try {
    auto backend = factory->second(rest, address.settings);
    return *(s.opened[key] = std::move(backend));
  } catch (const TargetError&) {
    throw;
  } catch (const std::exception& e) {
    throw TargetError(where + " " + target + ": " + e.what());
  }
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
      entry.loaded = false;
      entry.error = e.what();
      listed.push_back(entry);
    }
  }
  return listed;
}

void register_target_scheme(const std::string& scheme, TargetFactory factory, bool preferred) {
  Schemes& s = schemes();
  std::lock_guard lock(s.mutex);
  s.factories[scheme] = std::move(factory);
  if (preferred) s.preferred.insert(scheme);
}

TargetAddress parse_target(const std::string& full_target) {
  TargetAddress address;
  const size_t question = full_target.find('?');
  const std::string target = full_target.substr(0, question);
  if (question != std::string::npos) {
    std::string query = full_target.substr(question + 1);
    for (size_t start = 0; start <= query.size();) {
      const size_t end = std::min(query.find('&', start), query.size());
      const std::string setting = query.substr(start, end - start);
      const size_t equals = setting.find('=');
      if (equals == std::string::npos || equals == 0) {
        throw TargetError("target " + full_target + ": '" + setting +
                          "' is not a KEY=VALUE setting (TARGET[:DEVICE]?KEY=VALUE&KEY=VALUE)");
      }
      address.settings.emplace_back(setting.substr(0, equals), setting.substr(equals + 1));
      start = end + 1;
    }
  }
  // A SCHEME:// target picks its device its own way.
  const size_t colon = target.rfind(':');
  if (target.find("://") != std::string::npos || colon == std::string::npos || colon == 0 ||
      target.find('/', colon) != std::string::npos) {
    // No device, or the last colon is part of a path.
    address.backend = target;
  } else {
    address.backend = target.substr(0, colon);
    address.device = target.substr(colon + 1);
  }
  return address;
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

OpenedTarget open_target(const std::string& target, const std::string& where, int fallback_device) {
  OpenedTarget opened;
  opened.backend = &resolve_target(target, where);
  opened.device_index = resolve_device(target, *opened.backend, fallback_device, where);
  const size_t count = opened.backend->devices().size();
  if (opened.device_index < 0 || static_cast<size_t>(opened.device_index) >= count) {
    throw TargetError(where + " " + target + ": device " + std::to_string(opened.device_index) +
                      " does not exist; " + opened.backend->name() + " has " +
                      std::to_string(count) + " device(s) (tapml-replay --list-targets)");
  }
  opened.device = opened.backend->open(opened.device_index);
  return opened;
}

const Backend& resolve_target(const std::string& full_target, const std::string& where) {
  const TargetAddress address = parse_target(full_target);
  if (address.backend.find("://") != std::string::npos) return open_scheme_target(address, where);
  const std::string& target = address.backend;
  if (const Backend* backend = find_backend(target)) {
    // Through the public ABI, as a user's kernels are, when the provider
    // library is there: every replay, suite, offload and served call of
    // TapML's own backends proves the seam.
    const std::string library = builtin_provider_library(target);
    if (library.empty()) {
      if (!address.settings.empty()) {
        throw TargetError(where + " " + full_target + ": " + target + " takes no settings");
      }
      return *backend;
    }
    try {
      return *find_provider(library, address.settings);
    } catch (const ProviderLoadError& e) {
      throw TargetError(where + " " + target + ": " + e.what());
    }
  }
  const Backend* provider = nullptr;
  try {
    provider = find_provider(target, address.settings);
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
