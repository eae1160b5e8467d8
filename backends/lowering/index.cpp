// Gathers: embedding, index_select, gather along a dim and advanced
// indexing (aten::index.Tensor with int and bool index tensors) as row
// gathers, and isin as a broadcast comparison reduced with any/all.
#include <algorithm>

#include "backends/lowering/families.h"
#include "backends/lowering/kernel_support.h"

namespace tapml::backends::lowering {
namespace {

// The identity order of `rank` dims with dims [first, first + count) moved to the front.
std::vector<int64_t> front_order(int64_t rank, int64_t first, int64_t count) {
  std::vector<int64_t> order;
  for (int64_t d = first; d < first + count; ++d) order.push_back(d);
  for (int64_t d = 0; d < rank; ++d) {
    if (d < first || d >= first + count) order.push_back(d);
  }
  return order;
}

// out[i..., :] = table[index[i...], :], with table a matrix [N, C] and out
// (permuted by out_order) a matrix [R, C] with R = index.numel().
void gather(Primitives& p, const Tensor& table, const Tensor& index, const Tensor& out,
            int64_t index_rank, const std::vector<int64_t>& out_order) {
  const Tensor rows = index.rank() == 0 ? unsqueeze(index, 0) : merged(p, index, 0, index.rank());
  OutputSlot slot(p, out, {&table, &index});
  const Tensor out_rows = slot.matrix(index_rank, out_order);
  p.gather_rows(table, rows, out_rows);
  slot.commit();
}

void embedding(Primitives& p, const KernelCall& call) {
  const Tensor& weight = call.tensor("weight");
  const Tensor& indices = call.tensor("indices");
  gather(p, as_matrix(p, weight, 1), indices, output(call), indices.rank(), {});
}

void index_select(Primitives& p, const KernelCall& call) {
  const Tensor& self = call.tensor("self");
  const Tensor& index = call.tensor("index");
  if (self.rank() == 0) return copy_into(p, self, output(call));
  const int64_t dim = normalize_dim(call.int_or("dim", 0), self.rank());
  const std::vector<int64_t> order = front_order(self.rank(), dim, 1);
  gather(p, as_matrix(p, permute(self, order), 1), index, output(call), 1, order);
}

// One indexed dim of advanced indexing, on the host.
struct HostIndex {
  std::vector<int64_t> values;  // row-major
  std::vector<int64_t> sizes;
};

// aten::index.Tensor: index tensors (None skips a dim; a bool mask covers as
// many dims as it has) broadcast together; the indexed dims become one
// gathered dim of linear indices computed on the host.
void advanced_index(Primitives& p, const KernelCall& call) {
  const Tensor& self = call.tensor("self");
  const auto& list = std::get<std::vector<std::optional<Tensor>>>(call.at("indices"));
  std::vector<std::optional<HostIndex>> by_dim(static_cast<size_t>(self.rank()));
  int64_t dim = 0;
  for (const std::optional<Tensor>& entry : list) {
    if (!entry) {
      ++dim;
      continue;
    }
    const std::vector<int64_t> values = download_ints(p, *entry);
    if (entry->dtype == DType::Bool || entry->dtype == DType::UInt8) {
      // A mask: its nonzero coordinates index entry->rank() dims.
      const int64_t k = entry->rank();
      if (dim + k > self.rank()) throw BackendError("index: mask has too many dims");
      for (int64_t j = 0; j < k; ++j) by_dim[dim + j] = HostIndex{{}, {0}};
      const std::vector<int64_t> strides = contiguous_strides(entry->sizes);
      for (size_t flat = 0; flat < values.size(); ++flat) {
        if (values[flat] == 0) continue;
        for (int64_t j = 0; j < k; ++j) {
          by_dim[dim + j]->values.push_back((static_cast<int64_t>(flat) / strides[j]) %
                                            entry->sizes[j]);
        }
      }
      for (int64_t j = 0; j < k; ++j)
        by_dim[dim + j]->sizes = {static_cast<int64_t>(by_dim[dim + j]->values.size())};
      dim += k;
    } else {
      if (dim >= self.rank()) throw BackendError("index: too many indices");
      by_dim[dim] = HostIndex{values, entry->sizes};
      ++dim;
    }
  }
  std::vector<int64_t> indexed;
  std::vector<int64_t> index_sizes;
  for (int64_t d = 0; d < self.rank(); ++d) {
    if (!by_dim[d]) continue;
    indexed.push_back(d);
    index_sizes = broadcast_sizes(index_sizes, by_dim[d]->sizes);
  }
  const auto k = static_cast<int64_t>(indexed.size());
  if (k == 0) return copy_into(p, self, output(call));
  const bool adjacent = indexed.back() - indexed.front() == k - 1;
  // Linear index into the indexed dims (row-major); an index out of range
  // becomes `total`, which gather_rows turns into a NaN row.
  int64_t total = 1;
  for (int64_t d : indexed) total *= self.sizes[d];
  const auto index_rank = static_cast<int64_t>(index_sizes.size());
  const int64_t count = size_product(index_sizes, 0, index_rank);
  std::vector<int64_t> linear(static_cast<size_t>(count), 0);
  for (int64_t d : indexed) {
    const HostIndex& index = *by_dim[d];
    const Tensor shape{nullptr, DType::Int64, index.sizes, contiguous_strides(index.sizes), 0};
    const Tensor spread = broadcast_to(shape, index_sizes);
    for (int64_t r = 0; r < count; ++r) {
      int64_t position = 0;
      for (int64_t i = index_rank - 1, rest = r; i >= 0; --i) {
        position += (rest % index_sizes[i]) * spread.strides[i];
        rest /= index_sizes[i];
      }
      int64_t value = index.values[position];
      if (value < 0) value += self.sizes[d];
      const bool valid = value >= 0 && value < self.sizes[d] && linear[r] < total;
      linear[r] = valid ? linear[r] * self.sizes[d] + value : total;
    }
  }
  std::vector<int64_t> self_order = indexed;
  for (int64_t d = 0; d < self.rank(); ++d) {
    if (!by_dim[d]) self_order.push_back(d);
  }
  const Tensor table = as_matrix(p, permute(self, self_order), k);
  const Tensor& out = output(call);
  const std::vector<int64_t> out_order =
      adjacent ? front_order(out.rank(), indexed.front(), index_rank) : std::vector<int64_t>{};
  gather(p, table, upload_ints(p, linear, index_sizes), out, index_rank, out_order);
}

// gather(self, dim, index): out[i] = self[i with i[dim] = index[i]]. The
// element offsets are index arithmetic on the host; self's memory read as
// a one-column table, one row per element.
void gather_along(Primitives& p, const KernelCall& call) {
  const Tensor self =
      call.tensor("self").rank() == 0 ? unsqueeze(call.tensor("self"), 0) : call.tensor("self");
  const Tensor index =
      call.tensor("index").rank() == 0 ? unsqueeze(call.tensor("index"), 0) : call.tensor("index");
  const Tensor& out = output(call);
  if (index.numel() == 0) return;
  const int64_t dim = normalize_dim(call.int_or("dim", 0), self.rank());
  const std::vector<int64_t> values = download_ints(p, index);
  std::vector<int64_t> offsets(values.size());
  int64_t extent = 1;
  for (size_t flat = 0; flat < values.size(); ++flat) {
    int64_t offset = 0;
    auto rest = static_cast<int64_t>(flat);
    for (int64_t d = index.rank() - 1; d >= 0; --d) {
      int64_t coordinate = rest % index.sizes[d];
      rest /= index.sizes[d];
      if (d == dim) {
        coordinate = values[flat] < 0 ? values[flat] + self.sizes[d] : values[flat];
        if (coordinate < 0 || coordinate >= self.sizes[d]) {
          throw BackendError("gather: index " + std::to_string(values[flat]) + " out of range");
        }
      }
      offset += coordinate * self.strides[d];
    }
    offsets[flat] = offset;
    extent = std::max(extent, offset + 1);
  }
  Tensor table = self;
  table.sizes = {extent, 1};
  table.strides = {1, 1};
  gather(p, table, upload_ints(p, offsets, index.sizes), out, index.rank(), {});
}

// nonzero(self) -> [n, rank] int64: which elements are not zero is compared
// on the device; their coordinates, index arithmetic, on the host.
void nonzero(Primitives& p, const KernelCall& call) {
  const Tensor& self = call.tensor("self");
  const Tensor& out = output(call);
  const Tensor is_set = empty(p, DType::Bool, self.sizes);
  p.binary(BinaryOp::Ne, self, broadcast_to(scalar_tensor(p, 0.0, self.dtype), self.sizes), is_set,
           1.0);
  const std::vector<int64_t> flags = download_ints(p, is_set);
  const std::vector<int64_t> strides = contiguous_strides(self.sizes);
  std::vector<int64_t> coordinates;
  int64_t count = 0;
  for (size_t flat = 0; flat < flags.size(); ++flat) {
    if (flags[flat] == 0) continue;
    ++count;
    for (int64_t d = 0; d < self.rank(); ++d) {
      coordinates.push_back((static_cast<int64_t>(flat) / strides[d]) % self.sizes[d]);
    }
  }
  if (out.rank() != 2 || out.sizes[0] != count || out.sizes[1] != self.rank()) {
    throw BackendError("nonzero: " + std::to_string(count) +
                       " nonzero elements, the output holds " +
                       std::to_string(out.rank() == 2 ? out.sizes[0] : -1));
  }
  if (count > 0) copy_into(p, upload_ints(p, coordinates, {count, self.rank()}), out);
}

// isin: any(elements[..., None] == test) (all of != when inverted).
void isin(Primitives& p, const KernelCall& call) {
  const Tensor& out = output(call);
  const Tensor elements =
      is_tensor(call, "elements")
          ? call.tensor("elements")
          : operand(p, call, "elements", {}, call.tensor("test_elements").dtype, DType::Bool);
  const Tensor test =
      is_tensor(call, "test_elements")
          ? merged(p, call.tensor("test_elements"), 0, call.tensor("test_elements").rank())
          : unsqueeze(operand(p, call, "test_element", {}, elements.dtype, DType::Bool), 0);
  const bool invert = call.bool_or("invert", false);
  std::vector<int64_t> sizes = elements.sizes;
  sizes.push_back(test.sizes[0]);
  const Tensor matches = empty(p, DType::Bool, sizes);
  p.binary(invert ? BinaryOp::Ne : BinaryOp::Eq, broadcast_to(unsqueeze(elements, -1), sizes),
           broadcast_to(test, sizes), matches, 1.0);
  reduce_into(p, invert ? ReduceOp::All : ReduceOp::Any, matches, {elements.rank()}, out);
}

}  // namespace

void add_index_kernels(KernelTable& t) {
  lower(t, {"aten::embedding", "aten::embedding.out"}, embedding);
  lower(t, {"aten::index_select", "aten::index_select.out"}, index_select);
  lower(t, {"aten::index.Tensor", "aten::index.Tensor_out", "aten::_unsafe_index.Tensor"},
        advanced_index);
  lower(t, {"aten::nonzero", "aten::nonzero.out"}, nonzero);
  lower(t, {"aten::gather", "aten::gather.out"}, gather_along, [](const KernelCall& call) {
    return call.bool_or("sparse_grad", false) ? std::string("sparse gather") : std::string();
  });
  lower(
      t,
      {"aten::isin.Tensor_Tensor", "aten::isin.Tensor_Tensor_out", "aten::isin.Tensor_Scalar",
       "aten::isin.Tensor_Scalar_out", "aten::isin.Scalar_Tensor", "aten::isin.Scalar_Tensor_out"},
      isin);
}

}  // namespace tapml::backends::lowering
