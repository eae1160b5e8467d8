// Host-side strided layouts. The trace stores every tensor contiguous; a call
// saw it as a view (sizes, strides, storage offset). These helpers size a
// buffer for such a view, move values between the contiguous copy and their
// strided places, and poison every element the view does not cover, so that
// a kernel which reads or writes outside its view is caught.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "store/dtype.h"

namespace tapml::replay {

struct Layout {
  std::vector<int64_t> sizes;
  std::vector<int64_t> strides;
  int64_t offset = 0;

  int64_t numel() const;
  bool is_contiguous() const;  // row-major, any offset
  // Elements a buffer needs to hold the view: offset + max extent + 1, at least 1.
  int64_t storage_elements() const;
};

// Calls fn(flat, storage) for every element of the view, flat counting in
// row-major order of sizes and storage being the element's index in its buffer.
template <typename Fn>
void for_each_element(const Layout& layout, Fn&& fn) {
  const size_t rank = layout.sizes.size();
  const int64_t count = layout.numel();
  if (count == 0) return;
  std::vector<int64_t> index(rank, 0);
  int64_t storage = layout.offset;
  for (int64_t flat = 0; flat < count; ++flat) {
    fn(flat, storage);
    for (size_t d = rank; d-- > 0;) {
      if (++index[d] < layout.sizes[d]) {
        storage += layout.strides[d];
        break;
      }
      storage -= (layout.sizes[d] - 1) * layout.strides[d];
      index[d] = 0;
    }
  }
}

// Places contiguous values into their strided places in `storage`.
void scatter(const std::byte* contiguous, size_t element_size, const Layout& layout,
             std::byte* storage);
// Reads the view's values out of `storage` into contiguous order.
void gather(const std::byte* storage, size_t element_size, const Layout& layout,
            std::byte* contiguous);

// The bit pattern that marks an element no kernel may touch: a quiet NaN for
// floating types, an unlikely sentinel for integers, 0xA5 for bool (neither
// true nor false).
std::vector<std::byte> poison_pattern(DType dtype);
void fill_poison(DType dtype, std::byte* storage, int64_t elements);

// Storage elements outside the view whose bits are no longer the poison
// pattern; returns the first such index or -1.
int64_t first_touched_outside_view(DType dtype, const std::byte* storage, int64_t elements,
                                   const Layout& layout);

}  // namespace tapml::replay
