// libtapml_provider_remote.so: TapML's remote client behind the public
// provider ABI. remote://HOST:PORT/TARGET opens it with the settings
// address=HOST:PORT and target=TARGET (backends/target.cpp), plus any the
// address adds (token_file, content_cache: remote/client/remote_settings.h);
// configure connects, so an unreachable server or a refused token is the
// target's one-line error.
#include <memory>

#include "backends/provider/backend_as_provider.h"
#include "remote/client/remote_backend.h"
#include "remote/client/remote_settings.h"

TAPML_PROVIDER_EXPORT const tapml_provider* tapml_provider_get(uint32_t abi_major,
                                                               uint32_t /*abi_minor*/) {
  return tapml::backends::backend_as_provider(
      "remote", abi_major,
      [](const tapml::backends::ProviderSettings& settings) -> const tapml::backends::Backend& {
        static std::unique_ptr<tapml::backends::Backend> backend;
        backend = tapml::remote::connect_remote(tapml::remote::remote_settings(settings));
        return *backend;
      });
}
