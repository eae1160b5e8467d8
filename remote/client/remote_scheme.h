// remote://HOST:PORT/TARGET as a target (backends/target.h): the TARGET a
// tapml-serve at HOST:PORT runs, its device the server's, the token from
// TAPML_TOKEN. A program that links the remote client calls
// register_remote_scheme() once, and every flag that takes a target
// (--target, --tapml-target, offload_target) accepts remote:// addresses.
#pragma once

namespace tapml::remote {

// `preferred`: over the remote provider library (backends/target.h), for a
// program that connects to several servers in one process.
void register_remote_scheme(bool preferred = false);

}  // namespace tapml::remote
