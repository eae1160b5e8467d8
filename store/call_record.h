// A call as the spool holds it: the /calls row already made (binary fields,
// the argument lists' JSON text) and the hashes of the tensors it references.
// The recorder encodes it on the model's thread; finishing decodes it
// without parsing any JSON, which was most of finishing's work when the
// spool held each call as one JSON document.
//
// Payload, little-endian: seq, parent, start_ns, end_ns (i64), thread (u64),
// depth (i32), flags (u32); then name, overload, schema, scope, inputs,
// outputs, each a u32 length and its bytes; then a u32 count of hashes, each
// a u32 length and its bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "store/call_table.h"
#include "store/trace.h"

namespace tapml::store {

// Replaces `out` with the record of `call`.
void encode_call_record(const Call& call, std::string& out);

struct DecodedCall {
  CallRow row;
  std::vector<std::string> hashes;  // referenced tensors, in argument order
};

// Throws TraceError saying what does not fit when the payload is malformed.
DecodedCall decode_call_record(const std::byte* payload, uint64_t length);

}  // namespace tapml::store
