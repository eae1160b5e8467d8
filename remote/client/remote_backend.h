// A remote device as a TapML backend: its buffers live on a tapml-serve and
// each kernel call goes to the server whole (op, named arguments with buffer
// ids and layouts, outputs), where the server's own backend runs it. Callers
// (tapml-replay --remote) use it like any local backend.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "backends/backend.h"

namespace tapml::remote {

struct RemoteOptions {
  std::string host_port;  // "127.0.0.1:7461"
  std::string target;     // the server's backend: "vulkan"
  std::string token;      // the shared token (see remote/protocol/token.h)
  // Uploads send a blob's bytes only the first time in a session; later
  // uploads of the same bytes send its hash. Off: always send the bytes.
  bool content_cache = true;
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds request_timeout{600000};
};

// Connects, authenticates and opens a session on the server's device.
// Throws backends::BackendError with one line when the server is unreachable,
// refuses the token or runs another target. Later, a server that goes away
// makes every call throw backends::DeviceLost.
std::unique_ptr<backends::Backend> connect_remote(const RemoteOptions& options);

// Whether the content cache is on by default: TAPML_REMOTE_CONTENT_CACHE=off
// in the environment turns it off (for measuring what it saves).
bool content_cache_by_default();

// The same with the defaults (content_cache_by_default()).
std::unique_ptr<backends::Backend> connect_remote(const std::string& host_port,
                                                  const std::string& target,
                                                  const std::string& token);

// For command lines (tapml-replay --remote, the offload mode): the token
// from `token_file`, else TAPML_TOKEN (remote/protocol/token.h), then
// connect_remote(host_port, target, token). Throws std::runtime_error with
// one line when there is no token, BackendError when the server refuses.
std::unique_ptr<backends::Backend> connect_remote_with_token_file(const std::string& host_port,
                                                                  const std::string& target,
                                                                  const std::string& token_file);

// What the client sent and received so far, over all its sessions.
struct RemoteTraffic {
  uint64_t sent_bytes = 0;  // every frame, headers included
  uint64_t received_bytes = 0;
  uint64_t uploads = 0;
  uint64_t uploads_by_hash = 0;  // sent as a hash only, the server had the bytes
};
// nullopt when `backend` is not a remote one.
std::optional<RemoteTraffic> remote_traffic(const backends::Backend& backend);

}  // namespace tapml::remote
