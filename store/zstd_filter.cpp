#include "store/zstd_filter.h"

#include <zstd.h>

#include <bit>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <type_traits>

namespace tapml::store {

namespace {

// The filter callback HDF5 calls for each chunk. Returns the new size, 0 on failure.
size_t zstd_filter(unsigned flags, size_t cd_nelmts, const unsigned cd_values[], size_t nbytes,
                   size_t* buf_size, void** buf) {
  if (flags & H5Z_FLAG_REVERSE) {
    const unsigned long long size = ZSTD_getFrameContentSize(*buf, nbytes);
    if (size == ZSTD_CONTENTSIZE_UNKNOWN || size == ZSTD_CONTENTSIZE_ERROR ||
        size > kMaxChunkBytes) {
      return 0;
    }
    void* out = H5allocate_memory(size > 0 ? size : 1, false);
    if (!out) return 0;
    size_t got = ZSTD_decompress(out, size, *buf, nbytes);
    if (ZSTD_isError(got) || got != size) {
      H5free_memory(out);
      return 0;
    }
    H5free_memory(*buf);
    *buf = out;
    *buf_size = size;
    return got;
  }
  const int level = cd_nelmts > 0 ? static_cast<int>(cd_values[0]) : 3;
  const size_t bound = ZSTD_compressBound(nbytes);
  void* out = H5allocate_memory(bound, false);
  if (!out) return 0;
  size_t got = ZSTD_compress(out, bound, *buf, nbytes, level);
  if (ZSTD_isError(got)) {
    H5free_memory(out);
    return 0;
  }
  H5free_memory(*buf);
  *buf = out;
  *buf_size = bound;
  return got;
}

struct CCtxDeleter {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};

}  // namespace

void register_zstd_filter() {
  static std::once_flag once;
  std::call_once(once, [] {
    static const H5Z_class2_t filter_class = {
        H5Z_CLASS_T_VERS, kZstdFilterId, 1, 1, "zstd", nullptr, nullptr, zstd_filter};
    H5Zregister(&filter_class);
  });
}

namespace {

// One pass over the elements for the common sizes (2, 4, 8 bytes): each is
// loaded once as a word and its bytes spread to their planes, about twice
// as fast as a pass per plane over the input.
template <size_t kSize>
using Word =
    std::conditional_t<kSize == 2, uint16_t, std::conditional_t<kSize == 4, uint32_t, uint64_t>>;

// Plane b must hold byte b of each element in memory order: the word's
// low byte first on a little-endian machine.
static_assert(std::endian::native == std::endian::little);

template <size_t kSize>
void shuffle_words(const std::byte* in, std::byte* out, size_t count) {
  auto* planes = reinterpret_cast<uint8_t*>(out);
  for (size_t i = 0; i < count; ++i) {
    Word<kSize> v;
    std::memcpy(&v, in + i * kSize, kSize);
    for (size_t b = 0; b < kSize; ++b) planes[b * count + i] = static_cast<uint8_t>(v >> (8 * b));
  }
}

template <size_t kSize>
void unshuffle_words(const std::byte* in, std::byte* out, size_t count) {
  const auto* planes = reinterpret_cast<const uint8_t*>(in);
  for (size_t i = 0; i < count; ++i) {
    Word<kSize> v = 0;
    for (size_t b = 0; b < kSize; ++b) {
      v = static_cast<Word<kSize>>(v | (Word<kSize>{planes[b * count + i]} << (8 * b)));
    }
    std::memcpy(out + i * kSize, &v, kSize);
  }
}

// Calls visit(std::integral_constant<size_t, N>{}) for an element size N of
// 2, 4 or 8 bytes and returns true; false for any other size.
template <typename Visit>
bool with_word_size(size_t elem_size, Visit visit) {
  switch (elem_size) {
    case 2:
      visit(std::integral_constant<size_t, 2>{});
      return true;
    case 4:
      visit(std::integral_constant<size_t, 4>{});
      return true;
    case 8:
      visit(std::integral_constant<size_t, 8>{});
      return true;
    default:
      return false;
  }
}

}  // namespace

void shuffle_bytes(const std::byte* in, std::byte* out, size_t nbytes, size_t elem_size) {
  const size_t count = nbytes / elem_size;
  if (elem_size <= 1 || count <= 1) {
    std::memcpy(out, in, nbytes);
    return;
  }
  const bool done = with_word_size(
      elem_size, [&](auto size) { shuffle_words<decltype(size)::value>(in, out, count); });
  for (size_t b = 0; !done && b < elem_size; ++b) {
    std::byte* dst = out + b * count;
    for (size_t i = 0; i < count; ++i) dst[i] = in[i * elem_size + b];
  }
  std::memcpy(out + count * elem_size, in + count * elem_size, nbytes - count * elem_size);
}

void unshuffle_bytes(const std::byte* in, std::byte* out, size_t nbytes, size_t elem_size) {
  const size_t count = nbytes / elem_size;
  if (elem_size <= 1 || count <= 1) {
    std::memcpy(out, in, nbytes);
    return;
  }
  const bool done = with_word_size(
      elem_size, [&](auto size) { unshuffle_words<decltype(size)::value>(in, out, count); });
  for (size_t b = 0; !done && b < elem_size; ++b) {
    const std::byte* src = in + b * count;
    for (size_t i = 0; i < count; ++i) out[i * elem_size + b] = src[i];
  }
  std::memcpy(out + count * elem_size, in + count * elem_size, nbytes - count * elem_size);
}

std::vector<std::byte> encode_chunk(const std::byte* data, size_t nbytes, size_t elem_size,
                                    int level) {
  thread_local std::unique_ptr<ZSTD_CCtx, CCtxDeleter> cctx(ZSTD_createCCtx());
  thread_local std::vector<std::byte> shuffled;
  shuffled.resize(nbytes);
  shuffle_bytes(data, shuffled.data(), nbytes, elem_size);
  std::vector<std::byte> out(ZSTD_compressBound(nbytes));
  ZSTD_CCtx_reset(cctx.get(), ZSTD_reset_session_and_parameters);
  ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_compressionLevel, level);
  ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_checksumFlag, 1);
  size_t got = ZSTD_compress2(cctx.get(), out.data(), out.size(), shuffled.data(), nbytes);
  if (ZSTD_isError(got)) throw std::runtime_error(ZSTD_getErrorName(got));
  out.resize(got);
  return out;
}

}  // namespace tapml::store
