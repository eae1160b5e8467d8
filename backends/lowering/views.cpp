#include "backends/lowering/views.h"

#include <string>

namespace tapml::backends::lowering {
namespace {

std::string sizes_text(const std::vector<int64_t>& sizes) {
  std::string text = "[";
  for (size_t i = 0; i < sizes.size(); ++i) text += (i ? ", " : "") + std::to_string(sizes[i]);
  return text + "]";
}

void erase_dim(Tensor& t, int64_t dim) {
  t.sizes.erase(t.sizes.begin() + dim);
  t.strides.erase(t.strides.begin() + dim);
}

}  // namespace

int64_t normalize_dim(int64_t dim, int64_t rank) {
  const int64_t bound = rank > 0 ? rank : 1;  // torch lets a 0-d tensor take dim 0 or -1
  if (dim < -bound || dim >= bound) {
    throw BackendError("dim " + std::to_string(dim) + " out of range for rank " +
                       std::to_string(rank));
  }
  return dim < 0 ? dim + bound : dim;
}

Tensor broadcast_to(const Tensor& t, const std::vector<int64_t>& sizes) {
  if (t.sizes == sizes) return t;
  const auto rank = static_cast<int64_t>(sizes.size());
  if (t.rank() > rank) {
    throw BackendError("cannot broadcast " + sizes_text(t.sizes) + " to " + sizes_text(sizes));
  }
  Tensor view = t;
  view.sizes = sizes;
  view.strides.assign(sizes.size(), 0);
  const int64_t lead = rank - t.rank();
  for (int64_t d = 0; d < t.rank(); ++d) {
    if (t.sizes[d] == sizes[lead + d]) {
      view.strides[lead + d] = t.strides[d];
    } else if (t.sizes[d] != 1) {
      throw BackendError("cannot broadcast " + sizes_text(t.sizes) + " to " + sizes_text(sizes));
    }
  }
  return view;
}

std::vector<int64_t> broadcast_sizes(const std::vector<int64_t>& a, const std::vector<int64_t>& b) {
  std::vector<int64_t> sizes(std::max(a.size(), b.size()), 1);
  for (size_t i = 0; i < sizes.size(); ++i) {
    const int64_t x = i < a.size() ? a[a.size() - 1 - i] : 1;
    const int64_t y = i < b.size() ? b[b.size() - 1 - i] : 1;
    if (x != y && x != 1 && y != 1) {
      throw BackendError("cannot broadcast " + sizes_text(a) + " with " + sizes_text(b));
    }
    sizes[sizes.size() - 1 - i] = x == 1 ? y : x;
  }
  return sizes;
}

Tensor permute(const Tensor& t, const std::vector<int64_t>& order) {
  if (static_cast<int64_t>(order.size()) != t.rank()) throw BackendError("permute: wrong rank");
  Tensor view = t;
  for (size_t i = 0; i < order.size(); ++i) {
    view.sizes[i] = t.sizes[order[i]];
    view.strides[i] = t.strides[order[i]];
  }
  return view;
}

Tensor transpose(const Tensor& t, int64_t dim0, int64_t dim1) {
  Tensor view = t;
  dim0 = normalize_dim(dim0, t.rank());
  dim1 = normalize_dim(dim1, t.rank());
  std::swap(view.sizes[dim0], view.sizes[dim1]);
  std::swap(view.strides[dim0], view.strides[dim1]);
  return view;
}

Tensor move_to_end(const Tensor& t, int64_t dim) {
  dim = normalize_dim(dim, t.rank());
  if (t.rank() == 0) return t;
  std::vector<int64_t> order;
  for (int64_t d = 0; d < t.rank(); ++d) {
    if (d != dim) order.push_back(d);
  }
  order.push_back(dim);
  return permute(t, order);
}

Tensor narrow(const Tensor& t, int64_t dim, int64_t start, int64_t length) {
  dim = normalize_dim(dim, t.rank());
  if (start < 0 || length < 0 || start + length > t.sizes[dim]) {
    throw BackendError("narrow out of range");
  }
  Tensor view = t;
  view.offset += start * t.strides[dim];
  view.sizes[dim] = length;
  return view;
}

Tensor select(const Tensor& t, int64_t dim, int64_t index) {
  Tensor view = narrow(t, dim, index, 1);
  erase_dim(view, normalize_dim(dim, t.rank()));
  return view;
}

Tensor unsqueeze(const Tensor& t, int64_t dim) {
  dim = normalize_dim(dim, t.rank() + 1);
  Tensor view = t;
  const int64_t stride = dim < t.rank() ? t.sizes[dim] * t.strides[dim] : 1;
  view.sizes.insert(view.sizes.begin() + dim, 1);
  view.strides.insert(view.strides.begin() + dim, stride);
  return view;
}

Tensor squeeze_dims(const Tensor& t, const std::vector<int64_t>& dims) {
  std::vector<bool> drop(t.sizes.size(), false);
  for (int64_t dim : dims) {
    dim = normalize_dim(dim, t.rank());
    if (t.sizes[dim] != 1) throw BackendError("squeeze of a dim of size " + std::to_string(t.sizes[dim]));
    drop[dim] = true;
  }
  Tensor view = t;
  view.sizes.clear();
  view.strides.clear();
  for (size_t d = 0; d < t.sizes.size(); ++d) {
    if (drop[d]) continue;
    view.sizes.push_back(t.sizes[d]);
    view.strides.push_back(t.strides[d]);
  }
  return view;
}

Tensor split_dim(const Tensor& t, int64_t dim, int64_t outer) {
  dim = normalize_dim(dim, t.rank());
  if (outer <= 0 || t.sizes[dim] % outer != 0) throw BackendError("split_dim: uneven split");
  Tensor view = t;
  const int64_t inner = t.sizes[dim] / outer;
  view.sizes[dim] = inner;
  view.sizes.insert(view.sizes.begin() + dim, outer);
  view.strides.insert(view.strides.begin() + dim, inner * t.strides[dim]);
  return view;
}

std::optional<Tensor> merge_dims(const Tensor& t, int64_t begin, int64_t end) {
  if (begin < 0 || end > t.rank() || begin > end) throw BackendError("merge_dims: bad range");
  const int64_t size = size_product(t.sizes, begin, end);
  int64_t stride = 1;
  if (size > 1) {
    bool seen = false;
    int64_t expected = 0;
    for (int64_t d = end - 1; d >= begin; --d) {
      if (t.sizes[d] == 1) continue;  // a size-1 dim's stride never matters
      if (seen && t.strides[d] != expected) return std::nullopt;
      if (!seen) stride = t.strides[d];
      seen = true;
      expected = t.strides[d] * t.sizes[d];
    }
  }
  Tensor view = t;
  view.sizes.erase(view.sizes.begin() + begin, view.sizes.begin() + end);
  view.strides.erase(view.strides.begin() + begin, view.strides.begin() + end);
  view.sizes.insert(view.sizes.begin() + begin, size);
  view.strides.insert(view.strides.begin() + begin, stride);
  return view;
}

void for_each_merged_batch(const std::vector<Tensor>& tensors, int64_t batch_rank,
                           const std::function<void(const std::vector<Tensor>&)>& fn) {
  std::vector<Tensor> merged;
  for (const Tensor& t : tensors) {
    auto view = merge_dims(t, 0, batch_rank);
    if (!view) break;
    merged.push_back(*view);
  }
  if (merged.size() == tensors.size()) return fn(merged);
  const int64_t outer = tensors.front().sizes.front();
  for (int64_t i = 0; i < outer; ++i) {
    std::vector<Tensor> slices;
    for (const Tensor& t : tensors) slices.push_back(select(t, 0, i));
    for_each_merged_batch(slices, batch_rank - 1, fn);
  }
}

int64_t size_product(const std::vector<int64_t>& sizes, int64_t begin, int64_t end) {
  int64_t product = 1;
  for (int64_t d = begin; d < end; ++d) product *= sizes[d];
  return product;
}

}  // namespace tapml::backends::lowering
