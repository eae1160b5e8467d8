// The JSON text of a call's argument lists, written straight into a string:
// the spool's hot path (every recorded call passes here on the model's
// thread), about ten times cheaper than building an nlohmann::json tree and
// dumping it. Parses to the same JSON as args_to_json
// (tests/store/roundtrip_test.cpp checks).
#pragma once

#include <string>
#include <vector>

#include "store/trace.h"

namespace tapml::store {

// Replaces `out` with the JSON text of an argument list: what a trace's
// /calls row holds in its inputs and outputs columns (args_to_json's JSON).
void args_json_text(const std::vector<Arg>& args, std::string& out);

}  // namespace tapml::store
