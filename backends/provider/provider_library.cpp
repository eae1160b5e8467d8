#include "backends/provider/provider_library.h"

#include <dlfcn.h>
#include <tapml/provider.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <vector>

namespace tapml::backends {

namespace fs = std::filesystem;

namespace {

std::vector<std::string> path_folders() {
  std::vector<std::string> folders;
  const char* env = std::getenv("TAPML_PROVIDER_PATH");
  std::string folder;
  for (const char* c = env != nullptr ? env : "";; ++c) {
    if (*c == ':' || *c == '\0') {
      if (!folder.empty()) folders.push_back(folder);
      folder.clear();
      if (*c == '\0') break;
    } else {
      folder += *c;
    }
  }
  return folders;
}

void check_table(const tapml_provider* table, const std::string& path) {
  const std::string who = path + ": ";
  if (table == nullptr) {
    throw ProviderLoadError(who + "tapml_provider_get returned no table for ABI " +
                            std::to_string(TAPML_PROVIDER_ABI_MAJOR) + "." +
                            std::to_string(TAPML_PROVIDER_ABI_MINOR) +
                            " (the provider was built for another major version: rebuild it "
                            "against this TapML's include/tapml/provider.h)");
  }
  if (table->struct_size < TAPML_PROVIDER_V1_0_SIZE) {
    throw ProviderLoadError(who + "its table is " + std::to_string(table->struct_size) +
                            " bytes, smaller than ABI 1.0's " +
                            std::to_string(TAPML_PROVIDER_V1_0_SIZE) +
                            " (is struct_size set to sizeof(tapml_provider)?)");
  }
  if (table->abi_major != TAPML_PROVIDER_ABI_MAJOR) {
    throw ProviderLoadError(who + "built for provider ABI " + std::to_string(table->abi_major) +
                            "." + std::to_string(table->abi_minor) + ", this TapML speaks " +
                            std::to_string(TAPML_PROVIDER_ABI_MAJOR) + ".x: rebuild it");
  }
  std::string missing;
  auto need = [&](const void* fn, const char* name) {
    if (fn == nullptr) missing += (missing.empty() ? "" : ", ") + std::string(name);
  };
  need(table->name, "name");
  need(table->version, "version");
  need(reinterpret_cast<const void*>(table->device_count), "device_count");
  need(reinterpret_cast<const void*>(table->device_info), "device_info");
  need(reinterpret_cast<const void*>(table->open_device), "open_device");
  need(reinterpret_cast<const void*>(table->close_device), "close_device");
  need(reinterpret_cast<const void*>(table->op_count), "op_count");
  need(reinterpret_cast<const void*>(table->op_name), "op_name");
  need(reinterpret_cast<const void*>(table->why_unsupported), "why_unsupported");
  need(reinterpret_cast<const void*>(table->run), "run");
  if (!missing.empty()) throw ProviderLoadError(who + "its table has no " + missing);
}

std::string describe(const ProviderSettings& settings) {
  return settings.empty() ? "no settings" : "'" + settings_text(settings) + "'";
}

// Hands the address's settings to the provider's configure (ABI 1.1), read
// only when its table is large enough to have one.
void configure(const tapml_provider& table, const std::string& path,
               const ProviderSettings& settings) {
  const bool has_configure =
      table.struct_size >= TAPML_PROVIDER_V1_1_SIZE && table.configure != nullptr;
  if (!has_configure) {
    if (settings.empty()) return;
    throw ProviderLoadError(path + ": " + table.name + " takes no settings (given " +
                            describe(settings) +
                            "; a provider takes them with configure, ABI 1.1)");
  }
  std::vector<tapml_setting> given;
  given.reserve(settings.size());
  for (const auto& [key, value] : settings) {
    given.push_back({sizeof(tapml_setting), key.c_str(), value.c_str()});
  }
  char message[1024] = "";
  tapml_error error{sizeof(tapml_error), message, sizeof(message)};
  if (table.configure(given.data(), given.size(), &error) != TAPML_STATUS_OK) {
    const std::string reason = message[0] != '\0' ? message : "no reason given";
    throw ProviderRefusedSettings(
        path + ": " + table.name + " refused " + describe(settings) + ": " + reason, reason);
  }
}

}  // namespace

bool names_provider_library(const std::string& target) {
  return target.find('/') != std::string::npos ||
         (target.size() > 3 && target.compare(target.size() - 3, 3, ".so") == 0);
}

std::string find_provider_library(const std::string& target) {
  if (names_provider_library(target)) return target;
  for (const std::string& folder : path_folders()) {
    for (const std::string& file : {"lib" + target + ".so", target + ".so"}) {
      const fs::path candidate = fs::path(folder) / file;
      if (fs::is_regular_file(candidate)) return candidate.string();
    }
  }
  return "";
}

std::vector<std::string> provider_libraries_on_path() {
  std::vector<std::string> found;
  for (const std::string& folder : path_folders()) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(folder, ec)) {
      if (entry.is_regular_file() && entry.path().extension() == ".so") {
        found.push_back(entry.path().string());
      }
    }
  }
  return found;
}

const tapml_provider& load_provider_library(const std::string& path,
                                            const ProviderSettings& settings) {
  struct Loaded {
    const tapml_provider* table;
    ProviderSettings settings;
  };
  static std::mutex mutex;
  static std::map<std::string, Loaded> loaded;
  std::lock_guard lock(mutex);
  const std::string key = fs::weakly_canonical(path).string();
  if (const auto it = loaded.find(key); it != loaded.end()) {
    if (it->second.settings != settings) {
      throw ProviderLoadError(path + ": already open in this process with " +
                              describe(it->second.settings) + ", now asked for with " +
                              describe(settings) +
                              " (a provider library is configured once per process)");
    }
    return *it->second.table;
  }
  if (!fs::exists(path)) throw ProviderLoadError(path + ": no such provider library");
  // RTLD_LOCAL: two providers may define the same symbols.
  void* library = dlopen(key.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) {
    const char* why = dlerror();
    throw ProviderLoadError(path + ": cannot load it: " + (why != nullptr ? why : "dlopen failed"));
  }
  auto* entry = reinterpret_cast<tapml_provider_get_fn>(dlsym(library, TAPML_PROVIDER_ENTRY_POINT));
  if (entry == nullptr) {
    throw ProviderLoadError(path + ": exports no " + std::string(TAPML_PROVIDER_ENTRY_POINT) +
                            " (is it a TapML provider? docs/providers.md)");
  }
  const tapml_provider* table = entry(TAPML_PROVIDER_ABI_MAJOR, TAPML_PROVIDER_ABI_MINOR);
  check_table(table, path);
  configure(*table, path, settings);
  loaded[key] = {table, settings};
  return *table;
}

std::string provider_version(const std::string& path) {
  return load_provider_library(path).version;
}

}  // namespace tapml::backends
