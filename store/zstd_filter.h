// HDF5 filter 32015 (zstd, as hdf5plugin registers it: cd_values[0] is the
// level; a chunk is one zstd frame), and the encoder finish_trace uses to
// write chunks directly: HDF5's byte shuffle, then zstd.
#pragma once

#include <hdf5.h>

#include <cstddef>
#include <vector>

namespace tapml::store {

inline constexpr H5Z_filter_t kZstdFilterId = 32015;
// Chunks larger than this are refused on read: TapML writes ~1 MiB chunks,
// and a damaged file must not make us allocate gigabytes per chunk.
inline constexpr size_t kMaxChunkBytes = size_t{256} << 20;

// Registers the filter with this process's HDF5 (idempotent, thread-safe).
void register_zstd_filter();

// HDF5's shuffle filter: byte k of every element together, k = 0..size-1.
void shuffle_bytes(const std::byte* in, std::byte* out, size_t nbytes, size_t elem_size);
void unshuffle_bytes(const std::byte* in, std::byte* out, size_t nbytes, size_t elem_size);

// One chunk as stored with the shuffle + zstd pipeline.
std::vector<std::byte> encode_chunk(const std::byte* data, size_t nbytes, size_t elem_size,
                                    int level);

}  // namespace tapml::store
