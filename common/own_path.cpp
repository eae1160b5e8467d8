#include "common/own_path.h"

#include <dlfcn.h>

#include <stdexcept>
#include <system_error>

namespace tapml {

std::filesystem::path own_folder() {
  std::error_code error;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error) throw std::runtime_error("cannot find this program's own path: " + error.message());
  return self.parent_path();
}

std::filesystem::path sibling_executable(const std::string& name) { return own_folder() / name; }

std::filesystem::path code_folder() {
  Dl_info info{};
  // The executable itself may be named as it was run (relative to a folder
  // the program has since left): /proc/self/exe is the sure name for it.
  if (::dladdr(reinterpret_cast<const void*>(&code_folder), &info) == 0 ||
      info.dli_fname == nullptr || info.dli_fname[0] != '/') {
    return own_folder();
  }
  std::error_code error;
  const std::filesystem::path binary = std::filesystem::canonical(info.dli_fname, error);
  return error ? own_folder() : binary.parent_path();
}

std::filesystem::path lib_folder() {
  std::filesystem::path folder = code_folder();
  if (folder.filename() == "lib") return folder;
  // TapML's own provider libraries live in lib/providers.
  if (folder.filename() == "providers" && folder.parent_path().filename() == "lib") {
    return folder.parent_path();
  }
  return folder.parent_path() / "lib";
}

}  // namespace tapml
