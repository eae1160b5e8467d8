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

namespace {

std::string hex_digest(XXH128_hash_t h) {
  char hex[33];
  std::snprintf(hex, sizeof hex, "%016llx%016llx", static_cast<unsigned long long>(h.high64),
                static_cast<unsigned long long>(h.low64));
  return hex;
}

// The hashed stream (docs/trace-format.md): a name (the dtype's, or "view"),
// a zero byte, a count as little-endian int64, that many little-endian
// int64s (sizes, or dims), then the bytes (values, or the base's hash).
std::string stream_hash(std::string_view name, const std::vector<int64_t>& ints, const void* data,
                        size_t nbytes) {
  XXH3_state_t* state = XXH3_createState();
  XXH3_128bits_reset(state);
  XXH3_128bits_update(state, name.data(), name.size());
  const char zero = 0;
  XXH3_128bits_update(state, &zero, 1);
  const auto count = static_cast<int64_t>(ints.size());
  XXH3_128bits_update(state, &count, sizeof count);
  XXH3_128bits_update(state, ints.data(), ints.size() * sizeof(int64_t));
  if (nbytes > 0) XXH3_128bits_update(state, data, nbytes);
  std::string hex = hex_digest(XXH3_128bits_digest(state));
  XXH3_freeState(state);
  return hex;
}

}  // namespace

std::string tensor_hash(DType dtype, const std::vector<int64_t>& sizes, const void* data,
                        size_t nbytes) {
  return stream_hash(dtype_name(dtype), sizes, data, nbytes);
}

std::string view_hash(const std::string& base_hash, const std::vector<int64_t>& dims) {
  return stream_hash("view", dims, base_hash.data(), base_hash.size());
}

}  // namespace tapml::store
