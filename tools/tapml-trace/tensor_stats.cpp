#include "tensor_stats.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace tapml::trace_cli {

namespace {

template <typename T>
T load(const std::byte* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

float half_to_float(uint16_t h) {
  const int exponent = (h >> 10) & 0x1f;
  const int mantissa = h & 0x3ff;
  float magnitude;
  if (exponent == 0) {
    magnitude = std::ldexp(static_cast<float>(mantissa), -24);
  } else if (exponent == 31) {
    magnitude = mantissa ? NAN : INFINITY;
  } else {
    magnitude = std::ldexp(static_cast<float>(mantissa + 1024), exponent - 25);
  }
  return (h & 0x8000) ? -magnitude : magnitude;
}

float bfloat16_to_float(uint16_t b) {
  const uint32_t bits = static_cast<uint32_t>(b) << 16;
  return load<float>(reinterpret_cast<const std::byte*>(&bits));
}

}  // namespace

double element_value(DType dtype, const std::byte* p) {
  switch (dtype) {
    case DType::Float32:
      return load<float>(p);
    case DType::Float64:
      return load<double>(p);
    case DType::Float16:
      return half_to_float(load<uint16_t>(p));
    case DType::BFloat16:
      return bfloat16_to_float(load<uint16_t>(p));
    case DType::Int64:
      return static_cast<double>(load<int64_t>(p));
    case DType::Int32:
      return load<int32_t>(p);
    case DType::Int16:
      return load<int16_t>(p);
    case DType::Int8:
      return load<int8_t>(p);
    case DType::UInt8:
      return load<uint8_t>(p);
    case DType::Bool:
      return load<uint8_t>(p) != 0;
    case DType::Complex64:
      return std::hypot(load<float>(p), load<float>(p + 4));
    case DType::Complex128:
      return std::hypot(load<double>(p), load<double>(p + 8));
  }
  return 0;
}

TensorStats tensor_stats(DType dtype, const std::vector<std::byte>& bytes) {
  TensorStats s;
  const size_t size = dtype_size(dtype);
  s.count = static_cast<int64_t>(bytes.size() / size);
  double sum = 0;
  bool first = true;
  for (size_t offset = 0; offset + size <= bytes.size(); offset += size) {
    const double v = element_value(dtype, bytes.data() + offset);
    if (std::isnan(v)) {
      ++s.nan_count;
      continue;
    }
    s.min = first ? v : std::min(s.min, v);
    s.max = first ? v : std::max(s.max, v);
    first = false;
    sum += v;
  }
  const int64_t finite = s.count - s.nan_count;
  s.mean = finite > 0 ? sum / static_cast<double>(finite) : NAN;
  if (first) s.min = s.max = NAN;
  return s;
}

}  // namespace tapml::trace_cli
