#include "store/permuted_view.h"

#include <cstring>

namespace tapml::store {

bool is_permutation(const std::vector<int64_t>& dims) {
  std::vector<bool> seen(dims.size(), false);
  for (int64_t d : dims) {
    if (d < 0 || static_cast<size_t>(d) >= dims.size() || seen[static_cast<size_t>(d)]) {
      return false;
    }
    seen[static_cast<size_t>(d)] = true;
  }
  return true;
}

std::vector<int64_t> permuted_sizes(const std::vector<int64_t>& base_sizes,
                                    const std::vector<int64_t>& dims) {
  std::vector<int64_t> sizes;
  sizes.reserve(dims.size());
  for (int64_t d : dims) sizes.push_back(base_sizes[static_cast<size_t>(d)]);
  return sizes;
}

std::vector<std::byte> permute_values(const std::byte* base, const std::vector<int64_t>& base_sizes,
                                      const std::vector<int64_t>& dims, size_t element_size) {
  const size_t rank = dims.size();
  const std::vector<int64_t> sizes = permuted_sizes(base_sizes, dims);
  // The base's row-major strides, read in the view's dimension order.
  std::vector<int64_t> base_strides(rank, 1);
  for (size_t d = rank; d-- > 1;) base_strides[d - 1] = base_strides[d] * base_sizes[d];
  std::vector<int64_t> strides(rank);
  for (size_t i = 0; i < rank; ++i) strides[i] = base_strides[static_cast<size_t>(dims[i])];
  int64_t numel = 1;
  for (int64_t s : sizes) numel *= s;
  std::vector<std::byte> out(static_cast<size_t>(numel) * element_size);
  if (numel == 0) return out;
  if (rank == 0) {
    std::memcpy(out.data(), base, element_size);
    return out;
  }
  // An odometer over all dimensions but the last; the last is the inner loop.
  std::vector<int64_t> index(rank, 0);
  const int64_t inner = sizes[rank - 1];
  const int64_t inner_stride = strides[rank - 1] * static_cast<int64_t>(element_size);
  std::byte* to = out.data();
  int64_t from = 0;  // element offset in the base of index[0..rank-2], last index 0
  for (;;) {
    const std::byte* src = base + from * static_cast<int64_t>(element_size);
    for (int64_t j = 0; j < inner; ++j, src += inner_stride, to += element_size) {
      std::memcpy(to, src, element_size);
    }
    size_t d = rank - 1;
    while (d-- > 0) {
      from += strides[d];
      if (++index[d] < sizes[d]) break;
      from -= strides[d] * sizes[d];
      index[d] = 0;
    }
    if (d == static_cast<size_t>(-1)) return out;
  }
}

}  // namespace tapml::store
