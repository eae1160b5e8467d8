// A KernelCall as JSON: the op, its named arguments and its outputs, with
// each tensor's buffer named by the id the server gave it. Tensor values
// never travel here; they move by upload and download.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "backends/backend.h"

namespace tapml::remote {

// The id of a tensor's buffer on the server; nullopt leaves the tensor
// without one (a metadata-only call, as KernelTable::select takes).
using BufferIdOf = std::function<std::optional<uint64_t>(const backends::Buffer&)>;
// The buffer with this id; throws ProtocolError when there is none.
using BufferById = std::function<std::shared_ptr<backends::Buffer>(uint64_t)>;

nlohmann::json encode_call(const backends::KernelCall& call, const BufferIdOf& id_of);

// Checks everything a hostile sender could get wrong (kinds, dtypes, ranks,
// negative sizes or strides, views that reach past their buffer) and throws
// ProtocolError naming the argument.
backends::KernelCall decode_call(const nlohmann::json& json, const BufferById& buffer_by_id);

// The call without buffer ids: equal for calls that a kernel table treats
// alike, so a client caches why_unsupported answers under it.
std::string call_signature(const backends::KernelCall& call);

}  // namespace tapml::remote
