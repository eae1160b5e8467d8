// Bounds that both ends of the protocol agree on. The server enforces them
// (tapml-serve flags override the defaults) and tells each client at hello.
#pragma once

#include <cstddef>

namespace tapml::remote {

inline constexpr int kProtocolVersion = 1;
// The port tapml-serve listens on when --listen names none.
inline constexpr int kDefaultPort = 7461;

struct Limits {
  // Largest single frame ZeroMQ accepts; a peer that sends a larger one is
  // disconnected by ZeroMQ before the bytes are buffered.
  size_t max_message_bytes = size_t{1} << 31;
  // Largest buffer a session may allocate, upload or download at once.
  size_t max_tensor_bytes = size_t{1} << 30;
  // Total device memory one session may hold.
  size_t max_session_bytes = size_t{8} << 30;
  // Host memory each session's content cache may hold.
  size_t cache_bytes = size_t{1} << 30;
  // The JSON header of any message.
  size_t max_header_bytes = size_t{4} << 20;
  // Payload frames after the header; no request needs more than one.
  size_t max_frames = 4;
};

}  // namespace tapml::remote
