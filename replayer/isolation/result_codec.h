// A call's result as a JSON value, for the worker process of an isolated
// replay (worker.h) to hand back to the replay that runs it. The channel
// sends it as CBOR (channel.h), not JSON text: CBOR carries NaN and Inf
// doubles bit for bit, which the comparisons hold whenever a kernel wrote
// them.
#pragma once

#include <nlohmann/json.hpp>

#include "replayer/report.h"

namespace tapml::replay {

nlohmann::json result_to_json(const CallResult& result);
// Throws std::runtime_error on a value that is not an encoded result.
CallResult result_from_json(const nlohmann::json& value);

}  // namespace tapml::replay
