#include "backends/webgpu/wgpu_api.h"

#include <dlfcn.h>

#include <cstdlib>
#include <mutex>

#include "backends/backend.h"
#include "common/own_path.h"

namespace tapml::backends::webgpu {
namespace {

Api load() {
  const char* chosen = std::getenv("TAPML_WGPU_NATIVE");
  const std::string path = chosen != nullptr && *chosen != '\0'
                               ? std::string(chosen)
                               : (lib_folder() / "libwgpu_native.so").string();
  void* library = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) {
    const char* why = ::dlerror();
    throw BackendError("webgpu: cannot load wgpu-native (" + path +
                       "): " + (why != nullptr ? why : "unknown error") +
                       "; it comes from the `wgpu` wheel (bash scripts/setup.sh) or "
                       "TAPML_WGPU_NATIVE");
  }
  Api table;
#define TAPML_WGPU_LOAD(name)                                                     \
  table.name = reinterpret_cast<decltype(table.name)>(::dlsym(library, #name));   \
  if (table.name == nullptr) {                                                    \
    throw BackendError("webgpu: " + path +                                        \
                       " lacks " #name                                            \
                       " (wgpu-native too old or new; "                           \
                       "the project pins the `wgpu` wheel in requirements.txt)"); \
  }
  TAPML_WGPU_FUNCTIONS(TAPML_WGPU_LOAD)
#undef TAPML_WGPU_LOAD
  return table;  // the library stays loaded for the process's life
}

}  // namespace

const Api& api() {
  static std::once_flag once;
  static Api table;
  static std::string error;
  std::call_once(once, [] {
    try {
      table = load();
    } catch (const BackendError& e) {
      error = e.what();
    }
  });
  if (!error.empty()) throw BackendError(error);
  return table;
}

std::string text(WGPUStringView view) {
  if (view.data == nullptr) return "";
  if (view.length == WGPU_STRLEN) return view.data;
  return {view.data, view.length};
}

}  // namespace tapml::backends::webgpu
