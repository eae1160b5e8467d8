// The content hash under which the server caches uploaded blobs: XXH3-128 of
// the bytes, as 32 hex digits. Per session, so a collision a client crafts
// can only spoil its own session.
#pragma once

#include <cstddef>
#include <string>

namespace tapml::remote {

std::string content_hash(const void* data, size_t bytes);

}  // namespace tapml::remote
