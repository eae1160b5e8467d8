#include "remote/protocol/content_hash.h"

#include <xxhash.h>

#include <cstdio>

namespace tapml::remote {

std::string content_hash(const void* data, size_t bytes) {
  XXH128_hash_t hash = XXH3_128bits(data, bytes);
  char text[33];
  std::snprintf(text, sizeof text, "%016llx%016llx", static_cast<unsigned long long>(hash.high64),
                static_cast<unsigned long long>(hash.low64));
  return text;
}

}  // namespace tapml::remote
