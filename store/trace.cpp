#include "store/trace.h"

#include <xxhash.h>

#include <array>
#include <cstdio>

namespace tapml::store {

namespace {

constexpr std::array<std::pair<ValueKind, std::string_view>, 17> kKindNames = {{
    {ValueKind::None, "none"},
    {ValueKind::Bool, "bool"},
    {ValueKind::Int, "int"},
    {ValueKind::Float, "float"},
    {ValueKind::Complex, "complex"},
    {ValueKind::String, "string"},
    {ValueKind::Tensor, "tensor"},
    {ValueKind::IntList, "int_list"},
    {ValueKind::FloatList, "float_list"},
    {ValueKind::BoolList, "bool_list"},
    {ValueKind::TensorList, "tensor_list"},
    {ValueKind::ScalarType, "scalar_type"},
    {ValueKind::Device, "device"},
    {ValueKind::Layout, "layout"},
    {ValueKind::MemoryFormat, "memory_format"},
    {ValueKind::Generator, "generator"},
    {ValueKind::Other, "other"},
}};

}  // namespace

int64_t TensorMeta::numel() const {
  int64_t n = 1;
  for (int64_t size : sizes) n *= size;
  return n;
}

std::optional<int64_t> checked_numel(const std::vector<int64_t>& sizes) {
  int64_t n = 1;
  for (int64_t size : sizes) {
    if (size < 0) return std::nullopt;
    if (size == 0) n = 0;
  }
  if (n == 0) return 0;
  for (int64_t size : sizes) {
    if (size > kMaxElements / n) return std::nullopt;
    n *= size;
  }
  return n;
}

std::string_view value_kind_name(ValueKind kind) {
  for (const auto& [k, name] : kKindNames) {
    if (k == kind) return name;
  }
  return "other";
}

std::optional<ValueKind> value_kind_from_name(std::string_view name) {
  for (const auto& [k, n] : kKindNames) {
    if (n == name) return k;
  }
  return std::nullopt;
}

// The hashed stream (docs/trace-format.md): dtype name, a zero byte, rank as
// little-endian int64, each size as little-endian int64, then the bytes.
TensorHasher::TensorHasher(DType dtype, const std::vector<int64_t>& sizes)
    : state_(XXH3_createState()) {
  XXH3_128bits_reset(state_);
  std::string_view name = dtype_name(dtype);
  XXH3_128bits_update(state_, name.data(), name.size());
  const char zero = 0;
  XXH3_128bits_update(state_, &zero, 1);
  const int64_t rank = static_cast<int64_t>(sizes.size());
  XXH3_128bits_update(state_, &rank, sizeof rank);
  XXH3_128bits_update(state_, sizes.data(), sizes.size() * sizeof(int64_t));
}

TensorHasher::~TensorHasher() { XXH3_freeState(state_); }

void TensorHasher::update(const void* data, size_t nbytes) {
  if (nbytes > 0) XXH3_128bits_update(state_, data, nbytes);
}

std::string TensorHasher::digest() const {
  XXH128_hash_t h = XXH3_128bits_digest(state_);
  char hex[33];
  std::snprintf(hex, sizeof hex, "%016llx%016llx", static_cast<unsigned long long>(h.high64),
                static_cast<unsigned long long>(h.low64));
  return hex;
}

std::string tensor_hash(DType dtype, const std::vector<int64_t>& sizes, const void* data,
                        size_t nbytes) {
  TensorHasher hasher(dtype, sizes);
  hasher.update(data, nbytes);
  return hasher.digest();
}

}  // namespace tapml::store
