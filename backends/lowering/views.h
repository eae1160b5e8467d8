// Views of tensors by metadata alone (sizes, strides, offset), as torch's view
// ops make them. The lowering reshapes operands with these so that primitives
// see the layout they want without copying.
#pragma once

#include <functional>
#include <optional>
#include <vector>

#include "backends/backend.h"

namespace tapml::backends::lowering {

// `dim` counted from the end when negative; throws BackendError when out of range.
int64_t normalize_dim(int64_t dim, int64_t rank);

// Stride-0 broadcast of `t` to `sizes` (aligned at the right, as torch does).
Tensor broadcast_to(const Tensor& t, const std::vector<int64_t>& sizes);
// torch's broadcast of two shapes.
std::vector<int64_t> broadcast_sizes(const std::vector<int64_t>& a, const std::vector<int64_t>& b);

Tensor permute(const Tensor& t, const std::vector<int64_t>& order);
Tensor transpose(const Tensor& t, int64_t dim0, int64_t dim1);
// Moves `dim` to the end, keeping the others in order.
Tensor move_to_end(const Tensor& t, int64_t dim);
Tensor narrow(const Tensor& t, int64_t dim, int64_t start, int64_t length);
Tensor select(const Tensor& t, int64_t dim, int64_t index);
Tensor unsqueeze(const Tensor& t, int64_t dim);
// Drops the dims listed (each of size 1).
Tensor squeeze_dims(const Tensor& t, const std::vector<int64_t>& dims);
// Splits `dim` of size n into [outer, n / outer].
Tensor split_dim(const Tensor& t, int64_t dim, int64_t outer);
// Dims [begin, end) as one dim when the strides allow it (an empty range
// inserts a size-1 dim); nullopt when they do not.
std::optional<Tensor> merge_dims(const Tensor& t, int64_t begin, int64_t end);

// Calls fn once per group of batch entries with the leading `batch_rank` dims
// of every tensor (all of equal sizes there) merged into one dim, splitting
// the batch along its outer dims where strides forbid one merge.
void for_each_merged_batch(const std::vector<Tensor>& tensors, int64_t batch_rank,
                           const std::function<void(const std::vector<Tensor>&)>& fn);

// The product of sizes[begin, end).
int64_t size_product(const std::vector<int64_t>& sizes, int64_t begin, int64_t end);

}  // namespace tapml::backends::lowering
