// What a remote target's settings mean, in one place for the two ways a
// remote:// address is opened (TapML's remote provider library,
// remote/provider/, and the remote scheme a tool registers,
// remote_scheme.h): `address` (HOST:PORT) and `target` (the served target)
// from the address itself, and what a user may add after a question mark:
// `token_file` (else TAPML_TOKEN) and `content_cache=off`.
#pragma once

#include "backends/provider/provider_library.h"
#include "remote/client/remote_backend.h"

namespace tapml::remote {

// Throws backends::BackendError with one line for a key it does not know, a
// missing address or target, or no token.
RemoteOptions remote_settings(const backends::ProviderSettings& settings);

}  // namespace tapml::remote
