// Row-wise normalisations: softmax and log_softmax along any dim, layer norm
// (and native_layer_norm's mean and rstd), and RMS norm composed of primitives.
#include "backends/lowering/families.h"
#include "backends/lowering/kernel_support.h"

namespace tapml::backends::lowering {
namespace {

std::vector<int64_t> order_with_last(int64_t rank, int64_t dim) {
  std::vector<int64_t> order;
  for (int64_t d = 0; d < rank; ++d) {
    if (d != dim) order.push_back(d);
  }
  order.push_back(dim);
  return order;
}

void softmax(Primitives& p, const KernelCall& call, bool log) {
  const Tensor& self = call.tensor("self");
  const Tensor& out = output(call);
  const int64_t rank = self.rank();
  if (rank == 0) {  // softmax of one element: 1 (log: 0)
    OutputSlot slot(p, out, {&self});
    const Tensor in = as_matrix(p, unsqueeze(unsqueeze(self, 0), 0), 1);
    p.softmax(in, *merge_dims(unsqueeze(slot.target(), 0), 0, 0), log);
    return slot.commit();
  }
  const int64_t dim = normalize_dim(call.int_or("dim", -1), rank);
  const std::vector<int64_t> order = order_with_last(rank, dim);
  OutputSlot slot(p, out, {&self});
  const Tensor out_rows = slot.matrix(rank - 1, order);
  p.softmax(as_matrix(p, permute(self, order), rank - 1), out_rows, log);
  slot.commit();
}

// A weight or bias of the normalized shape as one vector [C].
Tensor vector_of(Primitives& p, const Tensor& t) { return merged(p, t, 0, t.rank()); }

void layer_norm(Primitives& p, const KernelCall& call) {
  const Tensor& input = call.tensor("input");
  const int64_t normalized = static_cast<int64_t>(int_list(call, "normalized_shape").size());
  const int64_t split = input.rank() - normalized;
  if (split < 0) throw BackendError("layer_norm: normalized_shape longer than the input");
  std::optional<Tensor> weight = optional_tensor(call, "weight");
  std::optional<Tensor> bias = optional_tensor(call, "bias");
  if (weight) weight = vector_of(p, *weight);
  if (bias) bias = vector_of(p, *bias);
  const Tensor rows = as_matrix(p, input, split);
  OutputSlot out(p, output(call, 0), {&input});
  const Tensor out_rows = out.matrix(split);
  // native_layer_norm's mean and rstd: [leading..., 1...] as vectors [R].
  std::vector<OutputSlot> stats;
  std::optional<Tensor> mean, rstd;
  for (size_t i = 1; i < call.outputs.size() && i < 3; ++i) {
    stats.emplace_back(p, call.outputs[i], std::initializer_list<const Tensor*>{&input});
    (i == 1 ? mean : rstd) = stats.back().merged(0, call.outputs[i].rank());
  }
  p.layer_norm(rows, weight, bias, call.float_or("eps", 1e-5), out_rows, mean, rstd);
  out.commit();
  for (OutputSlot& slot : stats) slot.commit();
}

// rms_norm(x) = x * rsqrt(mean(x^2) + eps) * weight, over the normalized dims.
void rms_norm(Primitives& p, const KernelCall& call) {
  const Tensor& input = call.tensor("input");
  const int64_t normalized = static_cast<int64_t>(int_list(call, "normalized_shape").size());
  const int64_t split = input.rank() - normalized;
  const Tensor rows = as_matrix(p, input, split);
  const int64_t r = rows.sizes[0], c = rows.sizes[1];
  const DType compute = input.dtype == DType::Float64 ? DType::Float64 : DType::Float32;
  const double eps = call.is_none("eps")
                         ? (compute == DType::Float64 ? 2.220446049250313e-16 : 1.1920928955078125e-07)
                         : call.float_or("eps", 0);
  const Tensor squares = empty(p, compute, {r, c});
  p.binary(BinaryOp::Mul, rows, rows, squares, 1.0);
  const Tensor mean = empty(p, compute, {r});
  p.reduce(ReduceOp::Mean, squares, 1, mean);
  const Tensor shifted = empty(p, compute, {r});
  p.binary(BinaryOp::Add, mean, broadcast_to(scalar_tensor(p, eps, compute), {r}), shifted, 1.0);
  const Tensor scale = empty(p, compute, {r, 1});
  p.unary(UnaryOp::Rsqrt, shifted, *merge_dims(scale, 0, 2), {});
  OutputSlot out(p, output(call), {&input});
  const Tensor out_rows = out.matrix(split);
  const std::optional<Tensor> weight = optional_tensor(call, "weight");
  if (!weight) {
    p.binary(BinaryOp::Mul, rows, broadcast_to(scale, {r, c}), out_rows, 1.0);
  } else {
    const Tensor normalized_rows = empty(p, compute, {r, c});
    p.binary(BinaryOp::Mul, rows, broadcast_to(scale, {r, c}), normalized_rows, 1.0);
    p.binary(BinaryOp::Mul, normalized_rows, broadcast_to(vector_of(p, *weight), {r, c}),
             out_rows, 1.0);
  }
  out.commit();
}

}  // namespace

void add_norm_kernels(KernelTable& t) {
  lower(t, {"aten::softmax.int", "aten::softmax.int_out", "aten::_softmax", "aten::_softmax.out",
            "aten::special_softmax"},
        [](Primitives& p, const KernelCall& call) { softmax(p, call, false); });
  lower(t, {"aten::log_softmax.int", "aten::log_softmax.int_out", "aten::_log_softmax",
            "aten::_log_softmax.out", "aten::special_log_softmax"},
        [](Primitives& p, const KernelCall& call) { softmax(p, call, true); });
  lower(t, {"aten::layer_norm", "aten::native_layer_norm", "aten::native_layer_norm.out"},
        layer_norm);
  lower(t, {"aten::rms_norm"}, rms_norm);
}

}  // namespace tapml::backends::lowering
