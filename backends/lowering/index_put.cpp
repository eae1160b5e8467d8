// index_put (x[idx] = v, and x[idx] += v with accumulate) as row gathers:
// the rows the index tensors name are found on the host (int indices
// broadcast together, bool masks by their nonzero positions, over the
// leading dims), then every row of the result is gathered from a table of
// self's rows followed by the values' rows. With accumulate, rows named
// more than once are summed in rounds of distinct rows.
#include <algorithm>
#include <map>

#include "backends/lowering/families.h"
#include "backends/lowering/kernel_support.h"

namespace tapml::backends::lowering {
namespace {

// The row (over the leading indexed dims of `self`, row-major) each index
// combination names, in the broadcast order of the indices; `indexed` is
// how many leading dims they cover, `shape` their broadcast sizes.
std::vector<int64_t> indexed_rows(Primitives& p, const Tensor& self,
                                  const std::vector<std::optional<Tensor>>& list, int64_t& indexed,
                                  std::vector<int64_t>& shape) {
  std::vector<std::vector<int64_t>> per_dim;  // values, one list per indexed dim
  std::vector<std::vector<int64_t>> sizes;
  for (const std::optional<Tensor>& entry : list) {
    if (!entry) throw BackendError("index_put: None among the indices");
    const std::vector<int64_t> values = download_ints(p, *entry);
    if (entry->dtype == DType::Bool || entry->dtype == DType::UInt8) {
      const std::vector<int64_t> strides = contiguous_strides(entry->sizes);
      const auto first = static_cast<int64_t>(per_dim.size());
      per_dim.resize(per_dim.size() + static_cast<size_t>(entry->rank()));
      for (size_t flat = 0; flat < values.size(); ++flat) {
        if (values[flat] == 0) continue;
        for (int64_t j = 0; j < entry->rank(); ++j) {
          per_dim[static_cast<size_t>(first + j)].push_back(
              (static_cast<int64_t>(flat) / strides[static_cast<size_t>(j)]) %
              entry->sizes[static_cast<size_t>(j)]);
        }
      }
      for (int64_t j = 0; j < entry->rank(); ++j) {
        sizes.push_back({static_cast<int64_t>(per_dim[static_cast<size_t>(first + j)].size())});
      }
    } else {
      per_dim.push_back(values);
      sizes.push_back(entry->sizes);
    }
  }
  indexed = static_cast<int64_t>(per_dim.size());
  if (indexed > self.rank()) throw BackendError("index_put: too many indices");
  shape.clear();
  for (const auto& s : sizes) shape = broadcast_sizes(shape, s);
  const int64_t count = size_product(shape, 0, static_cast<int64_t>(shape.size()));
  std::vector<int64_t> rows(static_cast<size_t>(count), 0);
  for (size_t d = 0; d < per_dim.size(); ++d) {
    const Tensor layout{nullptr, DType::Int64, sizes[d], contiguous_strides(sizes[d]), 0};
    const Tensor spread = broadcast_to(layout, shape);
    const int64_t extent = self.sizes[d];
    for (int64_t r = 0; r < count; ++r) {
      int64_t position = 0;
      for (int64_t i = static_cast<int64_t>(shape.size()) - 1, rest = r; i >= 0; --i) {
        position += (rest % shape[static_cast<size_t>(i)]) * spread.strides[static_cast<size_t>(i)];
        rest /= shape[static_cast<size_t>(i)];
      }
      int64_t value = per_dim[d][static_cast<size_t>(position)];
      if (value < 0) value += extent;
      if (value < 0 || value >= extent) {
        throw BackendError("index_put: index " + std::to_string(value) + " out of range");
      }
      rows[static_cast<size_t>(r)] = rows[static_cast<size_t>(r)] * extent + value;
    }
  }
  return rows;
}

void index_put(Primitives& p, const KernelCall& call) {
  const Tensor& self = call.tensor("self");
  const Tensor& out = output(call);
  const auto& list = std::get<std::vector<std::optional<Tensor>>>(call.at("indices"));
  const bool accumulate = call.bool_or("accumulate", false);
  int64_t indexed = 0;
  std::vector<int64_t> shape;
  const std::vector<int64_t> rows = indexed_rows(p, self, list, indexed, shape);
  const int64_t row_count = size_product(self.sizes, 0, indexed);
  const int64_t width = size_product(self.sizes, indexed, self.rank());
  const auto count = static_cast<int64_t>(rows.size());
  // The values, one row per index combination: [count, width].
  std::vector<int64_t> value_sizes = shape;
  value_sizes.insert(value_sizes.end(), self.sizes.begin() + indexed, self.sizes.end());
  const Tensor value_rows = as_matrix(p, broadcast_to(call.tensor("values"), value_sizes),
                                      static_cast<int64_t>(shape.size()));
  const Tensor self_rows = as_matrix(p, self, indexed);
  // Rounds of distinct rows: a row named twice is written (or added) in two rounds.
  std::vector<std::vector<int64_t>> rounds;  // per round: source row per destination row, or -1
  std::map<int64_t, size_t> times;
  for (int64_t r = 0; r < count; ++r) {
    const size_t round = accumulate ? times[rows[static_cast<size_t>(r)]]++ : 0;
    if (round == rounds.size()) rounds.emplace_back(static_cast<size_t>(row_count), -1);
    rounds[round][static_cast<size_t>(rows[static_cast<size_t>(r)])] = r;  // the last write wins
  }
  // table: [row_count + count, width], self's rows then the values' rows.
  const Tensor table = empty(p, self.dtype, {row_count + count, width});
  copy_into(p, self_rows, narrow(table, 0, 0, row_count));
  if (count > 0) copy_into(p, value_rows, narrow(table, 0, row_count, count));
  OutputSlot slot(p, out, {&table});
  const Tensor target = slot.matrix(indexed);
  if (!accumulate) {
    std::vector<int64_t> source(static_cast<size_t>(row_count));
    for (int64_t d = 0; d < row_count; ++d) {
      const int64_t r = rounds.empty() ? -1 : rounds[0][static_cast<size_t>(d)];
      source[static_cast<size_t>(d)] = r < 0 ? d : row_count + r;
    }
    p.gather_rows(table, upload_ints(p, source, {row_count}), target);
    return slot.commit();
  }
  // accumulate: sum = self, then per round sum += the round's values (0 where none).
  Tensor sum = contiguous_copy(p, self_rows);
  const Tensor zero_row = empty(p, self.dtype, {1, width});
  p.unary(UnaryOp::Fill, Tensor{}, zero_row, {0.0, 0.0});
  const Tensor addends_table = empty(p, self.dtype, {count + 1, width});
  copy_into(p, zero_row, narrow(addends_table, 0, 0, 1));
  if (count > 0) copy_into(p, value_rows, narrow(addends_table, 0, 1, count));
  const Tensor addends = empty(p, self.dtype, {row_count, width});
  for (const std::vector<int64_t>& round : rounds) {
    std::vector<int64_t> source(static_cast<size_t>(row_count));
    for (int64_t d = 0; d < row_count; ++d) {
      source[static_cast<size_t>(d)] = round[static_cast<size_t>(d)] + 1;
    }
    p.gather_rows(addends_table, upload_ints(p, source, {row_count}), addends);
    const Tensor next = empty(p, self.dtype, {row_count, width});
    p.binary(BinaryOp::Add, sum, addends, next, 1.0);
    sum = next;
  }
  copy_into(p, sum, target);
  slot.commit();
}

std::string why_not_index_put(const KernelCall& call) {
  const auto* list = std::get_if<std::vector<std::optional<Tensor>>>(&call.at("indices"));
  if (list == nullptr || list->empty()) return "index_put without index tensors";
  for (const std::optional<Tensor>& entry : *list) {
    if (!entry) {
      return "index_put with a None among the indices (a sliced dim before an indexed one)";
    }
  }
  return {};
}

}  // namespace

void add_index_put_kernels(KernelTable& t) {
  lower(t,
        {"aten::index_put", "aten::index_put_", "aten::index_put.out", "aten::_index_put_impl_",
         "aten::_index_put_impl", "aten::_index_put_impl.out", "aten::_unsafe_index_put"},
        index_put, why_not_index_put);
}

}  // namespace tapml::backends::lowering
