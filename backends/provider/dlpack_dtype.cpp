#include "backends/provider/dlpack_dtype.h"

namespace tapml::backends {

DLDataType dl_dtype(DType dtype) {
  const auto bits = static_cast<uint8_t>(dtype_size(dtype) * 8);
  switch (dtype) {
    case DType::Float32:
    case DType::Float64:
    case DType::Float16:
      return {kDLFloat, bits, 1};
    case DType::BFloat16:
      return {kDLBfloat, 16, 1};
    case DType::Int64:
    case DType::Int32:
    case DType::Int16:
    case DType::Int8:
      return {kDLInt, bits, 1};
    case DType::UInt8:
      return {kDLUInt, 8, 1};
    case DType::Bool:
      return {kDLBool, 8, 1};
    case DType::Complex64:
    case DType::Complex128:
      return {kDLComplex, bits, 1};
  }
  return {kDLFloat, 32, 1};
}

std::optional<DType> dtype_from_dl(DLDataType dtype) {
  if (dtype.lanes != 1) return std::nullopt;
  for (DType candidate : kAllDTypes) {
    const DLDataType dl = dl_dtype(candidate);
    if (dl.code == dtype.code && dl.bits == dtype.bits) return candidate;
  }
  return std::nullopt;
}

}  // namespace tapml::backends
