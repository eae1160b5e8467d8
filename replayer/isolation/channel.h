// The channel between an isolated replay and its worker process: a Unix
// socket pair, each message one CBOR value behind its 4-byte length. A
// read waits until a deadline, so a hung kernel is a timeout and not a hung
// replay; a peer that died is end of file, never SIGPIPE (the socket is
// written with MSG_NOSIGNAL).
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>

namespace tapml::replay {

using ChannelClock = std::chrono::steady_clock;

enum class ReadOutcome { Message, Closed, TimedOut };

// Sends one message; false when the peer is gone.
bool send_message(int fd, const nlohmann::json& message);

// Waits for one message until `deadline` (none: wait as long as it takes).
// Closed covers a peer that exited or died mid-message. Throws
// std::runtime_error on a malformed message.
ReadOutcome receive_message(int fd, nlohmann::json& message,
                            std::optional<ChannelClock::time_point> deadline);

}  // namespace tapml::replay
