// Matrix products: mm, bmm, addmm, baddbmm, matmul, linear, mv, dot and
// _grouped_mm. All become the batched matmul primitive; a weight's
// transpose is a view.
#include <algorithm>

#include "backends/lowering/families.h"
#include "backends/lowering/kernel_support.h"

namespace tapml::backends::lowering {

void batched_matmul(Primitives& p, const Tensor& a, const Tensor& w,
                    const std::optional<Tensor>& bias, const Tensor& out, double alpha,
                    double beta) {
  if (a.rank() < 2 || w.rank() < 2 || out.rank() < 2) throw BackendError("matmul: rank < 2");
  const int64_t batch_rank = out.rank() - 2;
  const int64_t m = out.sizes[batch_rank], n = out.sizes[batch_rank + 1];
  const int64_t k = a.sizes.back();
  std::vector<int64_t> a_sizes(out.sizes.begin(), out.sizes.begin() + batch_rank);
  std::vector<int64_t> w_sizes = a_sizes;
  a_sizes.insert(a_sizes.end(), {m, k});
  w_sizes.insert(w_sizes.end(), {k, n});
  std::vector<Tensor> operands = {broadcast_to(a, a_sizes), broadcast_to(w, w_sizes)};
  if (bias) operands.push_back(broadcast_to(*bias, out.sizes));
  OutputSlot slot(p, out, operands);
  operands.push_back(slot.target());
  for_each_merged_batch(operands, batch_rank, [&](const std::vector<Tensor>& t) {
    const std::optional<Tensor> batch_bias = bias ? std::optional<Tensor>(t[2]) : std::nullopt;
    p.matmul(t[0], t[1], batch_bias, t.back(), alpha, beta);
  });
  slot.commit();
}

namespace {

// mm, bmm, addmm and baddbmm: `self` is the bias where there is one.
void matrix_product(Primitives& p, const KernelCall& call, const char* a_name, const char* w_name,
                    bool has_bias) {
  const std::optional<Tensor> bias = has_bias ? optional_tensor(call, "self") : std::nullopt;
  batched_matmul(p, call.tensor(a_name), call.tensor(w_name), bias, output(call),
                 call.float_or("alpha", 1.0), call.float_or("beta", 1.0));
}

LoweredFn matrix_product_fn(const char* a_name, const char* w_name, bool has_bias) {
  return [=](Primitives& p, const KernelCall& call) {
    matrix_product(p, call, a_name, w_name, has_bias);
  };
}

// torch.matmul's rules: a 1-d left operand is a row, a 1-d right one a column,
// and both dims are dropped from the result.
void matmul(Primitives& p, const KernelCall& call, const Tensor& a, const Tensor& w,
            const std::optional<Tensor>& bias, const Tensor& out) {
  Tensor a_view = a, w_view = w, out_view = out;
  if (a.rank() == 1) {
    a_view = unsqueeze(a, 0);
    out_view = unsqueeze(out_view, out_view.rank() - (w.rank() == 1 ? 0 : 1));
  }
  if (w.rank() == 1) {
    w_view = unsqueeze(w, 1);
    out_view = unsqueeze(out_view, out_view.rank());
  }
  std::optional<Tensor> bias_view = bias;
  if (bias && w.rank() == 1 && bias->rank() > 0) bias_view = unsqueeze(*bias, bias->rank());
  batched_matmul(p, a_view, w_view, bias_view, out_view, call.float_or("alpha", 1.0),
                 call.float_or("beta", 1.0));
}

// linear(input, weight, bias) = input @ weight.T + bias. Leading dims of a
// contiguous-enough input fold into M so that the weight is read once.
void linear(Primitives& p, const KernelCall& call) {
  const Tensor& input = call.tensor("input");
  const Tensor& weight = call.tensor("weight");
  const std::optional<Tensor> bias = optional_tensor(call, "bias");
  const Tensor& out = output(call);
  const Tensor w = weight.rank() == 2 ? transpose(weight, 0, 1) : weight;
  if (input.rank() > 2 && weight.rank() == 2) {
    if (auto rows = merge_dims(input, 0, input.rank() - 1)) {
      OutputSlot slot(p, out, {&input, &weight, bias ? &*bias : nullptr});
      const Tensor out_rows = slot.merged(0, out.rank() - 1);
      const std::optional<Tensor> bias_rows =
          bias ? std::optional<Tensor>(broadcast_to(*bias, out_rows.sizes)) : std::nullopt;
      batched_matmul(p, *rows, w, bias_rows, out_rows, 1.0, 1.0);
      return slot.commit();
    }
  }
  matmul(p, call, input, w, bias, out);
}

// _grouped_mm(self [T, K], mat2 [G, K, N], offs [G]) -> [T, N]: the rows of
// self come in G groups (offs holds where each ends, as mixture-of-experts
// layers sort their tokens by expert), group g times mat2[g]. The group
// bounds are data: read on the host, one matmul per non-empty group. Rows
// after the last group are zero.
void grouped_mm(Primitives& p, const KernelCall& call) {
  const Tensor& a = call.tensor("self");
  const Tensor& b = call.tensor("mat2");
  const Tensor& out = output(call);
  const std::vector<int64_t> ends = download_ints(p, call.tensor("offs"));
  if (static_cast<int64_t>(ends.size()) != b.sizes[0]) {
    throw BackendError("_grouped_mm: " + std::to_string(ends.size()) + " offsets for " +
                       std::to_string(b.sizes[0]) + " groups");
  }
  int64_t start = 0;
  for (size_t g = 0; g < ends.size(); ++g) {
    const int64_t end = std::min(ends[g], a.sizes[0]);
    if (end > start) {
      batched_matmul(p, narrow(a, 0, start, end - start), select(b, 0, static_cast<int64_t>(g)),
                     std::nullopt, narrow(out, 0, start, end - start), 1.0, 1.0);
    }
    start = std::max(start, end);
  }
  if (start < a.sizes[0]) {
    p.unary(UnaryOp::Fill, Tensor{}, narrow(out, 0, start, a.sizes[0] - start), {0.0, 0.0});
  }
}

std::string why_not_grouped_mm(const KernelCall& call) {
  if (call.tensor("self").rank() != 2 || call.tensor("mat2").rank() != 3) {
    return "_grouped_mm other than 2-d x 3-d";
  }
  if (call.is_none("offs")) return "_grouped_mm without offs";
  if (!call.is_none("bias")) return "_grouped_mm with a bias";
  return {};
}

}  // namespace

void add_matmul_kernels(KernelTable& t) {
  lower(t, {"aten::_grouped_mm"}, grouped_mm, why_not_grouped_mm);
  lower(t, {"aten::mm", "aten::mm.out"}, matrix_product_fn("self", "mat2", false));
  lower(t, {"aten::bmm", "aten::bmm.out"}, matrix_product_fn("self", "mat2", false));
  lower(t, {"aten::addmm", "aten::addmm.out", "aten::addmm_"},
        matrix_product_fn("mat1", "mat2", true));
  lower(t, {"aten::baddbmm", "aten::baddbmm.out", "aten::baddbmm_"},
        matrix_product_fn("batch1", "batch2", true));
  lower(t,
        {"aten::matmul", "aten::matmul.out", "aten::mv", "aten::mv.out", "aten::dot",
         "aten::dot.out"},
        [](Primitives& p, const KernelCall& call) {
          const char* w_name = call.find("other") ? "other" : call.find("vec") ? "vec" : "tensor";
          matmul(p, call, call.tensor("self"), call.tensor(w_name), std::nullopt, output(call));
        });
  lower(t, {"aten::linear", "aten::linear.out"}, linear);
}

}  // namespace tapml::backends::lowering
