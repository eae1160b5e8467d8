#include "common/own_path.h"

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

}  // namespace tapml
