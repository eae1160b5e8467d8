#include "remote/protocol/message.h"

#include <zmq_addon.hpp>

namespace tapml::remote {

bool send_message(zmq::socket_t& socket, Message message, zmq::message_t* routing_id) {
  std::vector<zmq::message_t> parts;
  parts.reserve(message.frames.size() + 2);
  if (routing_id) parts.emplace_back(routing_id->data(), routing_id->size());
  parts.emplace_back(message.header.dump());
  for (zmq::message_t& frame : message.frames) parts.push_back(std::move(frame));
  return zmq::send_multipart(socket, parts).has_value();
}

nlohmann::json parse_header(const zmq::message_t& frame, size_t max_header_bytes) {
  if (frame.size() > max_header_bytes) {
    throw ProtocolError("header of " + std::to_string(frame.size()) +
                        " bytes exceeds the limit of " + std::to_string(max_header_bytes));
  }
  nlohmann::json header = nlohmann::json::parse(frame.to_string_view(), nullptr, false);
  if (header.is_discarded()) throw ProtocolError("header is not valid JSON");
  if (!header.is_object()) throw ProtocolError("header is not a JSON object");
  return header;
}

Message to_message(std::vector<zmq::message_t>&& parts, size_t max_header_bytes) {
  if (parts.empty()) throw ProtocolError("empty message");
  Message message;
  message.header = parse_header(parts.front(), max_header_bytes);
  for (size_t i = 1; i < parts.size(); ++i) message.frames.push_back(std::move(parts[i]));
  return message;
}

size_t wire_bytes(const Message& message) {
  size_t bytes = message.header.dump().size();
  for (const zmq::message_t& frame : message.frames) bytes += frame.size();
  return bytes;
}

std::string string_field(const nlohmann::json& header, const char* name) {
  auto it = header.find(name);
  if (it == header.end() || !it->is_string()) {
    throw ProtocolError(std::string("field '") + name + "' missing or not a string");
  }
  return it->get<std::string>();
}

uint64_t u64_field(const nlohmann::json& header, const char* name) {
  auto it = header.find(name);
  if (it == header.end() || !it->is_number_unsigned()) {
    throw ProtocolError(std::string("field '") + name + "' missing or not an unsigned integer");
  }
  return it->get<uint64_t>();
}

bool bool_field_or(const nlohmann::json& header, const char* name, bool fallback) {
  auto it = header.find(name);
  if (it == header.end()) return fallback;
  if (!it->is_boolean()) throw ProtocolError(std::string("field '") + name + "' is not a bool");
  return it->get<bool>();
}

uint64_t sequence_of(const nlohmann::json& request) {
  auto it = request.find("seq");
  return it != request.end() && it->is_number_unsigned() ? it->get<uint64_t>() : 0;
}

nlohmann::json ok_reply(const nlohmann::json& request) {
  return {{"seq", sequence_of(request)}, {"status", "ok"}};
}

nlohmann::json status_reply(const nlohmann::json& request, const char* status,
                            const std::string& message) {
  return {{"seq", sequence_of(request)}, {"status", status}, {"message", message}};
}

}  // namespace tapml::remote
