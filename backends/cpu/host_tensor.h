// Host memory behind a Tensor and the strided loop every CPU primitive walks.
#pragma once

#include <array>
#include <cstddef>
#include <vector>

#include "backends/backend.h"
#include "backends/primitives.h"

namespace tapml::backends::cpu {

class HostBuffer : public Buffer {
 public:
  explicit HostBuffer(size_t bytes) : bytes_(bytes) {}
  size_t size() const override { return bytes_.size(); }
  std::byte* data() { return bytes_.data(); }

 private:
  std::vector<std::byte> bytes_;
};

// The first byte of `t`'s buffer, after checking that the buffer is a host
// buffer and that every element of the view lies inside it.
std::byte* host_data(const Tensor& t);

// Calls fn(offsets) for every index of `sizes` in row-major order, where
// offsets[i] is the element offset of that index in tensors[i] (which share
// `sizes`, or at least its leading dims). Stops after `limit` elements when
// limit >= 0.
template <size_t N, typename Fn>
void for_each_offset(const std::vector<int64_t>& sizes, const std::array<const Tensor*, N>& tensors,
                     Fn&& fn, int64_t limit = -1) {
  const size_t rank = sizes.size();
  int64_t total = 1;
  for (int64_t size : sizes) total *= size;
  if (limit >= 0 && limit < total) total = limit;
  std::array<int64_t, N> offsets;
  for (size_t t = 0; t < N; ++t) offsets[t] = tensors[t]->offset;
  std::array<int64_t, kMaxRank> index{};
  for (int64_t n = 0; n < total; ++n) {
    fn(offsets);
    for (size_t d = rank; d-- > 0;) {
      for (size_t t = 0; t < N; ++t) offsets[t] += tensors[t]->strides[d];
      if (++index[d] < sizes[d]) break;
      for (size_t t = 0; t < N; ++t) offsets[t] -= tensors[t]->strides[d] * sizes[d];
      index[d] = 0;
    }
  }
}

// The element offsets, relative to t.offset, of every element of t in
// row-major order.
std::vector<int64_t> relative_offsets(const Tensor& t);

// The arithmetic every primitive computes in: fp32 for floats (double where a
// float64 operand asks for it), int64 for integers and bool.
enum class ComputeType { Float, Double, Int };
ComputeType compute_type(std::initializer_list<const Tensor*> tensors);

// Calls fn(T{}) with T the C++ type of `type`.
template <typename Fn>
void with_compute_type(ComputeType type, Fn&& fn) {
  switch (type) {
    case ComputeType::Float: return fn(float{});
    case ComputeType::Double: return fn(double{});
    case ComputeType::Int: return fn(int64_t{});
  }
}

}  // namespace tapml::backends::cpu
