#include "replayer/isolation/channel.h"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace tapml::replay {
namespace {

constexpr uint32_t kMaxMessageBytes = 1u << 30;

bool send_all(int fd, const uint8_t* data, size_t size) {
  while (size > 0) {
    const ssize_t sent = ::send(fd, data, size, MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) continue;
    if (sent <= 0) return false;
    data += sent;
    size -= static_cast<size_t>(sent);
  }
  return true;
}

// Fills `data` until the deadline: Message when full.
ReadOutcome read_all(int fd, uint8_t* data, size_t size,
                     const std::optional<ChannelClock::time_point>& deadline) {
  while (size > 0) {
    int wait_ms = -1;
    if (deadline) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - ChannelClock::now());
      if (left.count() <= 0) return ReadOutcome::TimedOut;
      wait_ms = static_cast<int>(std::min<int64_t>(left.count(), INT32_MAX));
    }
    pollfd ready{fd, POLLIN, 0};
    const int polled = ::poll(&ready, 1, wait_ms);
    if (polled < 0 && errno == EINTR) continue;
    if (polled < 0) throw std::runtime_error(std::string("poll: ") + std::strerror(errno));
    if (polled == 0) return ReadOutcome::TimedOut;
    const ssize_t got = ::recv(fd, data, size, 0);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return ReadOutcome::Closed;
    data += got;
    size -= static_cast<size_t>(got);
  }
  return ReadOutcome::Message;
}

}  // namespace

bool send_message(int fd, const nlohmann::json& message) {
  const std::vector<uint8_t> bytes = nlohmann::json::to_cbor(message);
  const auto size = static_cast<uint32_t>(bytes.size());
  const uint8_t header[4] = {static_cast<uint8_t>(size), static_cast<uint8_t>(size >> 8),
                             static_cast<uint8_t>(size >> 16), static_cast<uint8_t>(size >> 24)};
  return send_all(fd, header, sizeof header) && send_all(fd, bytes.data(), bytes.size());
}

ReadOutcome receive_message(int fd, nlohmann::json& message,
                            std::optional<ChannelClock::time_point> deadline) {
  uint8_t header[4];
  if (ReadOutcome got = read_all(fd, header, sizeof header, deadline);
      got != ReadOutcome::Message) {
    return got;
  }
  const uint32_t size = header[0] | (uint32_t{header[1]} << 8) | (uint32_t{header[2]} << 16) |
                        (uint32_t{header[3]} << 24);
  if (size > kMaxMessageBytes) {
    throw std::runtime_error("worker channel: a message of " + std::to_string(size) + " bytes");
  }
  std::vector<uint8_t> bytes(size);
  if (ReadOutcome got = read_all(fd, bytes.data(), bytes.size(), deadline);
      got != ReadOutcome::Message) {
    return got;
  }
  try {
    message = nlohmann::json::from_cbor(bytes);
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(std::string("worker channel: ") + e.what());
  }
  return ReadOutcome::Message;
}

}  // namespace tapml::replay
