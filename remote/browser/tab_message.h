// One WebSocket message between TapML and a browser tab: a JSON header (its
// "type" says what it is) and raw bytes after it, in one binary frame:
// a 32-bit little-endian header length, the header's UTF-8 JSON, the
// payload. Tensor bytes travel unencoded, as in the ZeroMQ protocol; the
// page's encode()/decode() (page/tapml_tab.js) are the other half.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace tapml::remote::browser {

struct TabMessage {
  nlohmann::json header;
  std::vector<std::byte> payload;
};

std::string encode_tab_message(const nlohmann::json& header, const void* payload = nullptr,
                               size_t bytes = 0);

// Throws std::runtime_error saying what is malformed: a frame shorter than
// its header length, a header that is not a JSON object with a string "type".
TabMessage decode_tab_message(const std::string& frame);

}  // namespace tapml::remote::browser
