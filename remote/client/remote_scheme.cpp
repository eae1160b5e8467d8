#include "remote/client/remote_scheme.h"

#include "backends/target.h"
#include "remote/client/remote_backend.h"
#include "remote/client/remote_settings.h"

namespace tapml::remote {

void register_remote_scheme(bool preferred) {
  backends::register_target_scheme(
      "remote",
      [](const std::string& rest, const backends::ProviderSettings& settings) {
        const size_t slash = rest.find('/');
        if (slash == std::string::npos || slash == 0 || slash + 1 == rest.size()) {
          throw backends::TargetError(
              "expected remote://HOST:PORT/TARGET (e.g. remote://gpu-box:7461/vulkan)");
        }
        backends::ProviderSettings all = {{"address", rest.substr(0, slash)},
                                          {"target", rest.substr(slash + 1)}};
        all.insert(all.end(), settings.begin(), settings.end());
        return connect_remote(remote_settings(all));
      },
      preferred);
}

}  // namespace tapml::remote
