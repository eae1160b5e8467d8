#include "remote/client/remote_settings.h"

#include <cstdlib>
#include <stdexcept>

#include "remote/protocol/token.h"

namespace tapml::remote {

RemoteOptions remote_settings(const backends::ProviderSettings& settings) {
  RemoteOptions options;
  options.content_cache = content_cache_by_default();
  std::string token_file;
  for (const auto& [key, value] : settings) {
    if (key == "address") {
      options.host_port = value;
    } else if (key == "target") {
      options.target = value;
    } else if (key == "token_file") {
      token_file = value;
    } else if (key == "content_cache" && (value == "on" || value == "off")) {
      options.content_cache = value == "on";
    } else {
      throw backends::BackendError(
          std::string("remote: no setting '").append(key).append("=").append(value) +
          "' (it takes token_file=PATH and content_cache=on|off)");
    }
  }
  if (options.host_port.empty() || options.target.empty()) {
    throw backends::BackendError(
        "remote: needs an address and a target (remote://HOST:PORT/TARGET)");
  }
  const char* env = std::getenv(kTokenEnv);
  if (token_file.empty() && (env == nullptr || *env == '\0')) {
    throw backends::BackendError(std::string("remote: no token: set ") + kTokenEnv +
                                 " or add ?token_file=FILE to the address");
  }
  try {
    options.token = read_token(token_file);
  } catch (const std::runtime_error& e) {
    throw backends::BackendError(std::string("remote: ") + e.what());
  }
  return options;
}

}  // namespace tapml::remote
