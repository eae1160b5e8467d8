// The JSON encoding of calls, arguments and metadata: the spool's records and
// the HDF5 trace's `inputs`/`outputs` columns use it (docs/trace-format.md).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/trace.h"

namespace tapml::store {

nlohmann::json tensor_to_json(const TensorMeta& tensor);
nlohmann::json args_to_json(const std::vector<Arg>& args);
nlohmann::json call_to_json(const Call& call);
nlohmann::json meta_to_json(const TraceMeta& meta);

// The parsers throw TraceError with `what` naming the source of the text.
TensorMeta tensor_from_json(const nlohmann::json& j);
std::vector<Arg> args_from_json(const nlohmann::json& j);
Call call_from_json(const nlohmann::json& j);
TraceMeta meta_from_json(const nlohmann::json& j);

// TraceMeta's string fields by name: the HDF5 root attributes and JSON keys.
inline constexpr std::pair<std::string_view, std::string TraceMeta::*> kMetaStringFields[] = {
    {"tool_version", &TraceMeta::tool_version},
    {"runtime", &TraceMeta::runtime},
    {"runtime_version", &TraceMeta::runtime_version},
    {"device", &TraceMeta::device},
    {"model", &TraceMeta::model},
    {"config", &TraceMeta::config},
    {"command", &TraceMeta::command},
    {"host", &TraceMeta::host},
    {"start_time", &TraceMeta::start_time},
};

// Sets a TraceMeta field by its name; unknown names go to `extra`.
void set_meta_field(TraceMeta& meta, const std::string& key, const std::string& value);

// Every captured tensor hash the arguments reference.
void collect_hashes(const std::vector<Arg>& args, std::vector<std::string>& out);

}  // namespace tapml::store
