// Pairing the calls of two streams: top-level calls in order and by op name,
// then the children of each pair the same way (see Alignment in diff.h).
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "migrate/diff/call_stream.h"
#include "migrate/diff/diff.h"

namespace tapml::migrate {

struct AlignedStreams {
  std::vector<std::pair<int64_t, int64_t>> pairs;  // (ref seq, other seq), in ref seq order
  Alignment alignment;
};

AlignedStreams align_streams(const CallStream& ref, const CallStream& other);

}  // namespace tapml::migrate
