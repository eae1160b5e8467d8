// Reductions (sum, mean, prod, amax/amin, max/min, argmax/argmin, any/all,
// vector norms) and cumsum. The reduced dims are permuted to the end by
// strides, so one primitive serves every dim list.
#include <algorithm>
#include <cmath>

#include "backends/lowering/families.h"
#include "backends/lowering/kernel_support.h"

namespace tapml::backends::lowering {

void reduce_into(Primitives& p, ReduceOp op, const Tensor& in, std::vector<int64_t> dims,
                 const Tensor& out) {
  const int64_t rank = in.rank();
  if (rank == 0) {  // one element: reduce a size-1 dim
    const Tensor one = unsqueeze(in, 0);
    const Tensor out_view = out.rank() == 0 ? out : squeeze_dims(out, {0});
    OutputSlot slot(p, out_view, {&in});
    p.reduce(op, one, 1, slot.target());
    return slot.commit();
  }
  for (int64_t& dim : dims) dim = normalize_dim(dim, rank);
  if (dims.empty()) {
    for (int64_t d = 0; d < rank; ++d) dims.push_back(d);
  }
  std::sort(dims.begin(), dims.end());
  dims.erase(std::unique(dims.begin(), dims.end()), dims.end());
  std::vector<int64_t> order;
  for (int64_t d = 0; d < rank; ++d) {
    if (!std::binary_search(dims.begin(), dims.end(), d)) order.push_back(d);
  }
  const auto kept = static_cast<int64_t>(order.size());
  order.insert(order.end(), dims.begin(), dims.end());
  Tensor out_view = out;
  if (out.rank() == rank && kept != rank) {
    out_view = squeeze_dims(out, dims);  // keepdim
  } else if (out.rank() != kept) {
    throw BackendError("reduction output has rank " + std::to_string(out.rank()) + ", expected " +
                       std::to_string(kept));
  }
  OutputSlot slot(p, out_view, {&in});
  p.reduce(op, permute(in, order), static_cast<int>(rank - kept), slot.target());
  slot.commit();
}

namespace {

// A reduction over the dims named `dim_name` (all when absent, None or empty).
LoweredFn reduce_fn(ReduceOp op, const char* dim_name = "dim") {
  return [=](Primitives& p, const KernelCall& call) {
    reduce_into(p, op, call.tensor("self"), int_list(call, dim_name), output(call));
  };
}

// max.dim / min.dim: values and indices.
LoweredFn value_and_index_fn(ReduceOp value_op, ReduceOp index_op) {
  return [=](Primitives& p, const KernelCall& call) {
    const Tensor& self = call.tensor("self");
    const std::vector<int64_t> dim = int_list(call, "dim");
    reduce_into(p, value_op, self, dim, output(call, 0));
    reduce_into(p, index_op, self, dim, output(call, 1));
  };
}

double norm_order(const KernelCall& call) {
  const char* name = call.find("ord") ? "ord" : "p";
  return call.is_none(name) ? 2.0 : call.float_or(name, 2.0);
}

std::string why_norm(const KernelCall& call) {
  return norm_order(call) == 2.0 ? std::string() : "only the 2-norm";
}

void cumsum(Primitives& p, const KernelCall& call) {
  const Tensor& self = call.tensor("self");
  const Tensor& out = output(call);
  if (self.rank() == 0) return copy_into(p, self, out);
  const int64_t dim = normalize_dim(call.int_or("dim", 0), self.rank());
  const Tensor in = move_to_end(self, dim);
  OutputSlot slot(p, out, {&self});
  p.cumsum(in, move_to_end(slot.target(), dim));
  slot.commit();
}

}  // namespace

void add_reduce_kernels(KernelTable& t) {
  lower(t, {"aten::sum", "aten::sum.dim_IntList", "aten::sum.IntList_out", "aten::sum.out"},
        reduce_fn(ReduceOp::Sum));
  lower(t, {"aten::mean", "aten::mean.dim", "aten::mean.out", "aten::mean.dtype_out"},
        reduce_fn(ReduceOp::Mean));
  lower(t, {"aten::prod", "aten::prod.dim_int", "aten::prod.int_out"}, reduce_fn(ReduceOp::Prod));
  lower(t, {"aten::amax", "aten::amax.out", "aten::max", "aten::max.unary_out"},
        reduce_fn(ReduceOp::Max));
  lower(t, {"aten::amin", "aten::amin.out", "aten::min", "aten::min.unary_out"},
        reduce_fn(ReduceOp::Min));
  lower(t, {"aten::max.dim", "aten::max.dim_max"},
        value_and_index_fn(ReduceOp::Max, ReduceOp::ArgMax));
  lower(t, {"aten::min.dim", "aten::min.dim_min"},
        value_and_index_fn(ReduceOp::Min, ReduceOp::ArgMin));
  lower(t, {"aten::argmax", "aten::argmax.out"}, reduce_fn(ReduceOp::ArgMax));
  lower(t, {"aten::argmin", "aten::argmin.out"}, reduce_fn(ReduceOp::ArgMin));
  lower(t, {"aten::any", "aten::any.dim", "aten::any.dims", "aten::any.out", "aten::any.dims_out",
            "aten::any.all_out"},
        reduce_fn(ReduceOp::Any));
  lower(t, {"aten::all", "aten::all.dim", "aten::all.dims", "aten::all.out", "aten::all.dims_out",
            "aten::all.all_out"},
        reduce_fn(ReduceOp::All));
  lower(t, {"aten::linalg_vector_norm", "aten::linalg_vector_norm.out", "aten::norm.Scalar",
            "aten::norm.ScalarOpt_dim", "aten::norm.out"},
        reduce_fn(ReduceOp::Norm2), why_norm);
  lower(t, {"aten::cumsum", "aten::cumsum_", "aten::cumsum.out"}, cumsum);
}

}  // namespace tapml::backends::lowering
