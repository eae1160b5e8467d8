// Loading and storing single elements of any dtype on the host, converted to
// and from the compute type (float, double or int64), as torch converts them.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

#include "backends/backend.h"

namespace tapml::backends::cpu {

// IEEE half precision, round to nearest even (also used by the planted bug
// that accumulates in fp16).
float half_to_float(uint16_t h);
uint16_t float_to_half(float f);
inline float round_to_half(float f) { return half_to_float(float_to_half(f)); }

inline float bfloat16_to_float(uint16_t b) {
  uint32_t bits = static_cast<uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

inline uint16_t float_to_bfloat16(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  if (std::isnan(f)) return 0x7fc0;
  bits += 0x7fff + ((bits >> 16) & 1);  // round to nearest even
  return static_cast<uint16_t>(bits >> 16);
}

template <typename T>
T read_raw(const std::byte* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

template <typename T>
void write_raw(std::byte* p, T v) {
  std::memcpy(p, &v, sizeof v);
}

// Float to integer as a C cast would, but defined for NaN and out-of-range
// values (torch leaves those unspecified; 0 and saturation are as good as any).
inline int64_t float_to_int(double v) {
  if (std::isnan(v)) return 0;
  if (v >= 9.2233720368547758e18) return std::numeric_limits<int64_t>::max();
  if (v <= -9.2233720368547758e18) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(v);
}

// Element `index` (counted in elements) of `base`, converted to T.
template <typename T>
T load(DType dtype, const std::byte* base, int64_t index) {
  const std::byte* p = base + index * static_cast<int64_t>(dtype_size(dtype));
  switch (dtype) {
    case DType::Float32: return static_cast<T>(read_raw<float>(p));
    case DType::Float64: return static_cast<T>(read_raw<double>(p));
    case DType::Float16: return static_cast<T>(half_to_float(read_raw<uint16_t>(p)));
    case DType::BFloat16: return static_cast<T>(bfloat16_to_float(read_raw<uint16_t>(p)));
    case DType::Int64: return static_cast<T>(read_raw<int64_t>(p));
    case DType::Int32: return static_cast<T>(read_raw<int32_t>(p));
    case DType::Int16: return static_cast<T>(read_raw<int16_t>(p));
    case DType::Int8: return static_cast<T>(read_raw<int8_t>(p));
    case DType::UInt8: return static_cast<T>(read_raw<uint8_t>(p));
    case DType::Bool: return static_cast<T>(read_raw<uint8_t>(p) != 0 ? 1 : 0);
    case DType::Complex64:
    case DType::Complex128: break;
  }
  throw BackendError(std::string("cpu: cannot load dtype ") + std::string(dtype_name(dtype)));
}

template <typename T>
void store(DType dtype, std::byte* base, int64_t index, T value) {
  std::byte* p = base + index * static_cast<int64_t>(dtype_size(dtype));
  auto as_int = [&]() -> int64_t {
    if constexpr (std::is_floating_point_v<T>) {
      return float_to_int(static_cast<double>(value));
    } else {
      return static_cast<int64_t>(value);
    }
  };
  switch (dtype) {
    case DType::Float32: return write_raw(p, static_cast<float>(value));
    case DType::Float64: return write_raw(p, static_cast<double>(value));
    case DType::Float16: return write_raw(p, float_to_half(static_cast<float>(value)));
    case DType::BFloat16: return write_raw(p, float_to_bfloat16(static_cast<float>(value)));
    case DType::Int64: return write_raw(p, as_int());
    case DType::Int32: return write_raw(p, static_cast<int32_t>(as_int()));
    case DType::Int16: return write_raw(p, static_cast<int16_t>(as_int()));
    case DType::Int8: return write_raw(p, static_cast<int8_t>(as_int()));
    case DType::UInt8: return write_raw(p, static_cast<uint8_t>(as_int()));
    case DType::Bool: return write_raw(p, static_cast<uint8_t>(value != T(0) ? 1 : 0));
    case DType::Complex64:
    case DType::Complex128: break;
  }
  throw BackendError(std::string("cpu: cannot store dtype ") + std::string(dtype_name(dtype)));
}

}  // namespace tapml::backends::cpu
