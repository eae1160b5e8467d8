// The JSON text of one call, written straight into a string: the spool's
// hot path (every recorded call passes here on the model's thread), about ten
// times cheaper than building an nlohmann::json tree and dumping it. Parses
// to the same JSON as call_to_json (tests/store/roundtrip_test.cpp checks).
#pragma once

#include <string>

#include "store/trace.h"

namespace tapml::store {

// Replaces `out` with the JSON text of `call`.
void call_json_text(const Call& call, std::string& out);

}  // namespace tapml::store
