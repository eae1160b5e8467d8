// The wire format of tapml-serve. Every request and every reply is one
// ZeroMQ multipart message: a JSON header frame (type, sequence number,
// session, fields), then raw byte frames holding tensor values, never
// encoded. docs/remote.md lists the requests and their fields.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>
#include <zmq.hpp>

namespace tapml::remote {

// A message that breaks the protocol (bad JSON, missing field, wrong type,
// a size out of bounds). The server answers it with an error reply.
class ProtocolError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Message {
  nlohmann::json header;
  std::vector<zmq::message_t> frames;  // the payload frames after the header
};

// Sends `message`, after `routing_id` when the socket is a ROUTER; false when
// the socket's send timeout passed first (no peer to queue it for).
bool send_message(zmq::socket_t& socket, Message message, zmq::message_t* routing_id = nullptr);

// The header frame as a JSON object; throws ProtocolError naming the fault.
nlohmann::json parse_header(const zmq::message_t& frame, size_t max_header_bytes);

// `parts` (as received, header first) as a Message; throws ProtocolError.
Message to_message(std::vector<zmq::message_t>&& parts, size_t max_header_bytes);

// Bytes of all frames, header included: what crossed the wire.
size_t wire_bytes(const Message& message);

// Typed field access that throws ProtocolError ("field 'bytes': ...").
std::string string_field(const nlohmann::json& header, const char* name);
uint64_t u64_field(const nlohmann::json& header, const char* name);
bool bool_field_or(const nlohmann::json& header, const char* name, bool fallback);

// Replies: {"seq": n, "status": "ok" | "unsupported" | "miss" | "lost" | "error", ...}:
// "unsupported" to a run is a kernel that declined the call's values at run
// time, "lost" a device that went away (a closed browser tab).
nlohmann::json ok_reply(const nlohmann::json& request);
nlohmann::json status_reply(const nlohmann::json& request, const char* status,
                            const std::string& message);
// The request's sequence number, or 0 when it has none (echoed in replies).
uint64_t sequence_of(const nlohmann::json& request);

}  // namespace tapml::remote
