#include "remote/client/remote_scheme.h"

#include "backends/target.h"
#include "remote/client/remote_backend.h"

namespace tapml::remote {

void register_remote_scheme() {
  backends::register_target_scheme("remote", [](const std::string& rest) {
    const size_t slash = rest.find('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == rest.size()) {
      throw backends::TargetError(
          "expected remote://HOST:PORT/TARGET (e.g. remote://gpu-box:7461/vulkan)");
    }
    // The token: TAPML_TOKEN (a URI has no place for a token file).
    return connect_remote_with_token_file(rest.substr(0, slash), rest.substr(slash + 1), "");
  });
}

}  // namespace tapml::remote
