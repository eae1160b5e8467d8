// The settings a target's address gives its provider
// ("./libmine.so?tile=64&log=1": {"tile", "64"}, {"log", "1"}), in the order
// given; a provider's configure (include/tapml/provider.h, ABI 1.1) gets
// them. Its own header because both sides of the seam use it: the loader
// (provider_library.h) and a backend offered as a provider
// (backend_as_provider.h, part of the lowering helper a user links).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace tapml::backends {

using ProviderSettings = std::vector<std::pair<std::string, std::string>>;

// The settings as an address writes them: "tile=64&log=1" ("" for none).
inline std::string settings_text(const ProviderSettings& settings) {
  std::string text;
  for (const auto& [key, value] : settings) {
    if (!text.empty()) text += '&';
    text.append(key).append("=").append(value);
  }
  return text;
}

}  // namespace tapml::backends
