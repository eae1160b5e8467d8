// How a tensor is cut into HDF5 chunks: whole trailing dimensions, a run of
// the dimension where ~chunk_bytes is reached, and 1 in the dimensions before
// it. Every chunk is then one contiguous byte range of the row-major tensor
// (the last one along the cut dimension padded), which finish_trace encodes
// straight from the spool.
#pragma once

#include <hdf5.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace tapml::store {

struct ChunkLayout {
  bool chunked = false;  // false for 0-d and empty tensors: stored contiguous
  std::vector<hsize_t> chunk_dims;
  size_t cut_dim = 0;      // the dimension chunks run along
  size_t inner_bytes = 0;  // bytes of one index step of cut_dim
  size_t chunk_bytes = 0;  // bytes of one (padded) chunk
  size_t count = 0;        // number of chunks

  ChunkLayout(const std::vector<int64_t>& sizes, size_t elem_size, size_t target_bytes);

  struct Piece {
    std::vector<hsize_t> offset;  // chunk origin, in elements per dimension
    size_t byte_offset = 0;       // into the contiguous tensor
    size_t valid_bytes = 0;       // the rest of chunk_bytes is padding
  };
  Piece piece(size_t index) const;

 private:
  std::vector<int64_t> sizes_;
};

}  // namespace tapml::store
