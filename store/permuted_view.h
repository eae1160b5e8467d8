// Permuted views (docs/trace-format.md, format 2): a tensor whose values are
// another stored tensor's with its dimensions reordered, like `weight.t()`
// feeding a matmul. The trace keeps the base's values once and records the
// view as the base's hash plus `dims`: view = base.permute(dims), in torch's
// and numpy's sense (dimension i of the view is dimension dims[i] of the base).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace tapml::store {

// True if `dims` holds 0..rank-1 once each.
bool is_permutation(const std::vector<int64_t>& dims);

// The view's sizes: base_sizes[dims[i]] for each i. `dims` must be a
// permutation of the base's rank.
std::vector<int64_t> permuted_sizes(const std::vector<int64_t>& base_sizes,
                                    const std::vector<int64_t>& dims);

// The view's values, row-major in its own order, from the base's row-major
// values (elements of `element_size` bytes).
std::vector<std::byte> permute_values(const std::byte* base, const std::vector<int64_t>& base_sizes,
                                      const std::vector<int64_t>& dims, size_t element_size);

}  // namespace tapml::store
