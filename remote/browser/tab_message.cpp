#include "remote/browser/tab_message.h"

#include <cstdint>
#include <cstring>
#include <stdexcept>

namespace tapml::remote::browser {

std::string encode_tab_message(const nlohmann::json& header, const void* payload, size_t bytes) {
  const std::string text = header.dump();
  std::string frame(4 + text.size() + bytes, '\0');
  const auto length = static_cast<uint32_t>(text.size());
  for (int i = 0; i < 4; ++i) frame[i] = static_cast<char>((length >> (8 * i)) & 0xff);
  std::memcpy(frame.data() + 4, text.data(), text.size());
  if (bytes > 0) std::memcpy(frame.data() + 4 + text.size(), payload, bytes);
  return frame;
}

TabMessage decode_tab_message(const std::string& frame) {
  if (frame.size() < 4) {
    throw std::runtime_error("a frame of " + std::to_string(frame.size()) +
                             " bytes has no header length");
  }
  uint32_t length = 0;
  for (int i = 0; i < 4; ++i) {
    length |= static_cast<uint32_t>(static_cast<unsigned char>(frame[i])) << (8 * i);
  }
  if (length > frame.size() - 4) {
    throw std::runtime_error("header length " + std::to_string(length) + " exceeds the frame");
  }
  TabMessage message;
  message.header = nlohmann::json::parse(frame.begin() + 4, frame.begin() + 4 + length, nullptr,
                                         /*allow_exceptions=*/false);
  if (!message.header.is_object() || !message.header.contains("type") ||
      !message.header["type"].is_string()) {
    throw std::runtime_error("the header is not a JSON object with a string \"type\"");
  }
  const auto* begin = reinterpret_cast<const std::byte*>(frame.data()) + 4 + length;
  message.payload.assign(begin, reinterpret_cast<const std::byte*>(frame.data()) + frame.size());
  return message;
}

}  // namespace tapml::remote::browser
