// Reading one element of any stored dtype as a double on the host, for the
// comparison. Complex values are read as their real and imaginary parts.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "store/dtype.h"

namespace tapml::replay {

inline float half_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exponent = (h >> 10) & 0x1Fu;
  uint32_t mantissa = h & 0x3FFu;
  uint32_t bits;
  if (exponent == 0x1F) {
    bits = sign | 0x7F800000u | (mantissa << 13);  // Inf or NaN
  } else if (exponent != 0) {
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  } else if (mantissa == 0) {
    bits = sign;
  } else {  // subnormal: normalise
    uint32_t e = 113;
    while ((mantissa & 0x400u) == 0) {
      mantissa <<= 1;
      --e;
    }
    bits = sign | (e << 23) | ((mantissa & 0x3FFu) << 13);
  }
  return std::bit_cast<float>(bits);
}

inline float bfloat16_to_float(uint16_t b) {
  return std::bit_cast<float>(static_cast<uint32_t>(b) << 16);
}

template <typename T>
T load_raw(const std::byte* p) {
  T value;
  std::memcpy(&value, p, sizeof(T));
  return value;
}

// Scalars per element: 2 for complex types, else 1.
inline int scalars_per_element(DType dtype) {
  return dtype == DType::Complex64 || dtype == DType::Complex128 ? 2 : 1;
}

// The k-th scalar (see scalars_per_element) of the element at `p`.
inline double load_scalar(DType dtype, const std::byte* p, int k = 0) {
  switch (dtype) {
    case DType::Float32:
      return load_raw<float>(p);
    case DType::Float64:
      return load_raw<double>(p);
    case DType::Float16:
      return half_to_float(load_raw<uint16_t>(p));
    case DType::BFloat16:
      return bfloat16_to_float(load_raw<uint16_t>(p));
    case DType::Int64:
      return static_cast<double>(load_raw<int64_t>(p));
    case DType::Int32:
      return load_raw<int32_t>(p);
    case DType::Int16:
      return load_raw<int16_t>(p);
    case DType::Int8:
      return load_raw<int8_t>(p);
    case DType::UInt8:
      return load_raw<uint8_t>(p);
    case DType::Bool:
      return load_raw<uint8_t>(p);
    case DType::Complex64:
      return load_raw<float>(p + 4 * k);
    case DType::Complex128:
      return load_raw<double>(p + 8 * k);
  }
  return 0;
}

// Every scalar of a `dtype` tensor's contiguous bytes, as doubles.
inline std::vector<double> to_doubles(DType dtype, const std::vector<std::byte>& bytes) {
  const size_t size = dtype_size(dtype);
  const int scalars = scalars_per_element(dtype);
  std::vector<double> out;
  out.reserve(bytes.size() / size * static_cast<size_t>(scalars));
  for (size_t at = 0; at + size <= bytes.size(); at += size) {
    for (int k = 0; k < scalars; ++k) out.push_back(load_scalar(dtype, bytes.data() + at, k));
  }
  return out;
}

}  // namespace tapml::replay
