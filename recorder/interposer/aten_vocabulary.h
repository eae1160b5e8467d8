// The names TapML gives to PyTorch's scalar types, layouts and memory
// formats: shared by the recorder (what a trace says) and the offload mode
// (what a live call is), so both read aten values the same way.
#pragma once

#include <c10/core/Layout.h>
#include <c10/core/MemoryFormat.h>
#include <c10/core/ScalarType.h>

#include <optional>
#include <string>

#include "store/dtype.h"

namespace tapml::recorder {

inline std::optional<DType> dtype_of(c10::ScalarType type) {
  switch (type) {
    case c10::ScalarType::Float:
      return DType::Float32;
    case c10::ScalarType::Double:
      return DType::Float64;
    case c10::ScalarType::Half:
      return DType::Float16;
    case c10::ScalarType::BFloat16:
      return DType::BFloat16;
    case c10::ScalarType::Long:
      return DType::Int64;
    case c10::ScalarType::Int:
      return DType::Int32;
    case c10::ScalarType::Short:
      return DType::Int16;
    case c10::ScalarType::Char:
      return DType::Int8;
    case c10::ScalarType::Byte:
      return DType::UInt8;
    case c10::ScalarType::Bool:
      return DType::Bool;
    case c10::ScalarType::ComplexFloat:
      return DType::Complex64;
    case c10::ScalarType::ComplexDouble:
      return DType::Complex128;
    default:
      return std::nullopt;
  }
}

inline std::string layout_text(int64_t raw) {
  return static_cast<c10::Layout>(raw) == c10::kStrided ? "strided"
                                                        : "layout" + std::to_string(raw);
}

inline std::string memory_format_text(int64_t raw) {
  switch (static_cast<c10::MemoryFormat>(raw)) {
    case c10::MemoryFormat::Contiguous:
      return "contiguous_format";
    case c10::MemoryFormat::Preserve:
      return "preserve_format";
    case c10::MemoryFormat::ChannelsLast:
      return "channels_last";
    case c10::MemoryFormat::ChannelsLast3d:
      return "channels_last_3d";
    default:
      return "memory_format" + std::to_string(raw);
  }
}

}  // namespace tapml::recorder
