#include "store/chunk_layout.h"

#include <algorithm>

namespace tapml::store {

ChunkLayout::ChunkLayout(const std::vector<int64_t>& sizes, size_t elem_size, size_t target_bytes)
    : sizes_(sizes) {
  if (sizes.empty() || std::any_of(sizes.begin(), sizes.end(), [](int64_t s) { return s <= 0; })) {
    return;
  }
  chunked = true;
  size_t cut = sizes.size() - 1;
  size_t inner = elem_size;
  while (cut > 0 && inner * static_cast<size_t>(sizes[cut]) <= target_bytes) {
    inner *= static_cast<size_t>(sizes[cut]);
    --cut;
  }
  const size_t run = std::clamp<size_t>(target_bytes / inner, 1, static_cast<size_t>(sizes[cut]));
  cut_dim = cut;
  inner_bytes = inner;
  chunk_bytes = run * inner;
  chunk_dims.assign(sizes.size(), 1);
  chunk_dims[cut] = run;
  for (size_t d = cut + 1; d < sizes.size(); ++d) chunk_dims[d] = static_cast<hsize_t>(sizes[d]);
  size_t outer = 1;
  for (size_t d = 0; d < cut; ++d) outer *= static_cast<size_t>(sizes[d]);
  count = outer * ((static_cast<size_t>(sizes[cut]) + run - 1) / run);
}

ChunkLayout::Piece ChunkLayout::piece(size_t index) const {
  const size_t extent = static_cast<size_t>(sizes_[cut_dim]);
  const size_t run = chunk_dims[cut_dim];
  const size_t per_row = (extent + run - 1) / run;
  size_t outer = index / per_row;
  const size_t start = (index % per_row) * run;
  Piece p;
  p.byte_offset = (outer * extent + start) * inner_bytes;
  p.valid_bytes = std::min(run, extent - start) * inner_bytes;
  p.offset.assign(sizes_.size(), 0);
  p.offset[cut_dim] = start;
  for (size_t d = cut_dim; d-- > 0;) {
    p.offset[d] = outer % static_cast<size_t>(sizes_[d]);
    outer /= static_cast<size_t>(sizes_[d]);
  }
  return p;
}

}  // namespace tapml::store
