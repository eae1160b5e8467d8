#include "replayer/layout.h"

#include <algorithm>
#include <cstring>

namespace tapml::replay {

int64_t Layout::numel() const {
  int64_t n = 1;
  for (int64_t s : sizes) n *= s;
  return n;
}

bool Layout::is_contiguous() const {
  int64_t expected = 1;
  for (size_t d = sizes.size(); d-- > 0;) {
    if (sizes[d] != 1 && strides[d] != expected) return false;
    expected *= sizes[d];
  }
  return true;
}

int64_t Layout::storage_elements() const {
  if (numel() == 0) return std::max<int64_t>(offset, 1);
  int64_t extent = 0;
  for (size_t d = 0; d < sizes.size(); ++d) extent += (sizes[d] - 1) * strides[d];
  return offset + extent + 1;
}

void scatter(const std::byte* contiguous, size_t element_size, const Layout& layout,
             std::byte* storage) {
  if (layout.numel() == 0) return;  // an empty tensor has no values (and maybe no buffer)
  if (layout.is_contiguous()) {
    std::memcpy(storage + layout.offset * element_size, contiguous,
                static_cast<size_t>(layout.numel()) * element_size);
    return;
  }
  for_each_element(layout, [&](int64_t flat, int64_t place) {
    std::memcpy(storage + place * element_size, contiguous + flat * element_size, element_size);
  });
}

void gather(const std::byte* storage, size_t element_size, const Layout& layout,
            std::byte* contiguous) {
  if (layout.numel() == 0) return;
  if (layout.is_contiguous()) {
    std::memcpy(contiguous, storage + layout.offset * element_size,
                static_cast<size_t>(layout.numel()) * element_size);
    return;
  }
  for_each_element(layout, [&](int64_t flat, int64_t place) {
    std::memcpy(contiguous + flat * element_size, storage + place * element_size, element_size);
  });
}

std::vector<std::byte> poison_pattern(DType dtype) {
  auto bytes = [](auto value) {
    std::vector<std::byte> out(sizeof(value));
    std::memcpy(out.data(), &value, sizeof(value));
    return out;
  };
  switch (dtype) {
    case DType::Float32:
      return bytes(uint32_t{0x7FC0DEADu});
    case DType::Float64:
      return bytes(uint64_t{0x7FF8DEADDEADDEADull});
    case DType::Float16:
      return bytes(uint16_t{0x7E5Au});
    case DType::BFloat16:
      return bytes(uint16_t{0x7FDAu});
    case DType::Complex64:
      return bytes(uint64_t{0x7FC0DEAD7FC0DEADull});
    case DType::Complex128: {
      auto half = bytes(uint64_t{0x7FF8DEADDEADDEADull});
      half.insert(half.end(), half.begin(), half.end());
      return half;
    }
    case DType::Int64:
      return bytes(int64_t{0x5A5A5A5A5A5A5A5Bll});
    case DType::Int32:
      return bytes(int32_t{0x5A5A5A5B});
    case DType::Int16:
      return bytes(int16_t{0x5A5B});
    case DType::Int8:
      return bytes(int8_t{0x5B});
    case DType::UInt8:
      return bytes(uint8_t{0xA5});
    case DType::Bool:
      return bytes(uint8_t{0xA5});
  }
  return std::vector<std::byte>(dtype_size(dtype), std::byte{0xA5});
}

void fill_poison(DType dtype, std::byte* storage, int64_t elements) {
  const auto pattern = poison_pattern(dtype);
  if (elements <= 0) return;
  std::memcpy(storage, pattern.data(), pattern.size());
  // Doubling copies: a large buffer is filled in log2(n) memcpy calls.
  int64_t filled = 1;
  while (filled < elements) {
    const int64_t chunk = std::min(filled, elements - filled);
    std::memcpy(storage + filled * pattern.size(), storage,
                static_cast<size_t>(chunk) * pattern.size());
    filled += chunk;
  }
}

int64_t first_touched_outside_view(DType dtype, const std::byte* storage, int64_t elements,
                                   const Layout& layout) {
  const auto pattern = poison_pattern(dtype);
  std::vector<bool> in_view(static_cast<size_t>(elements), false);
  for_each_element(layout, [&](int64_t, int64_t place) {
    if (place >= 0 && place < elements) in_view[static_cast<size_t>(place)] = true;
  });
  for (int64_t i = 0; i < elements; ++i) {
    if (in_view[static_cast<size_t>(i)]) continue;
    if (std::memcmp(storage + i * pattern.size(), pattern.data(), pattern.size()) != 0) return i;
  }
  return -1;
}

}  // namespace tapml::replay
