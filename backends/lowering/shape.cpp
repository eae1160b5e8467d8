// Copies and layout ops: copy_, _to_copy, clone, contiguous, to, dropout in
// eval, cat and stack (strided copies into slices of the output), and
// triu/tril (a where over an index comparison).
#include "backends/lowering/families.h"
#include "backends/lowering/kernel_support.h"

namespace tapml::backends::lowering {
namespace {

LoweredFn copy_fn(const char* name) {
  return [name](Primitives& p, const KernelCall& call) {
    copy_into(p, call.tensor(name), output(call));
  };
}

std::string why_dropout(const KernelCall& call) {
  const bool training = call.bool_or("train", false);
  return training && call.float_or("p", 0.0) > 0 ? "dropout in training is random" : "";
}

const std::vector<std::optional<Tensor>>& tensor_list(const KernelCall& call) {
  return std::get<std::vector<std::optional<Tensor>>>(call.at("tensors"));
}

void cat(Primitives& p, const KernelCall& call) {
  const Tensor& out = output(call);
  const int64_t dim = normalize_dim(call.int_or("dim", 0), out.rank());
  int64_t offset = 0;
  for (const std::optional<Tensor>& t : tensor_list(call)) {
    // torch skips legacy empty tensors of shape [0] whatever the output's rank.
    if (!t || (t->rank() == 1 && t->sizes[0] == 0 && out.rank() != 1)) continue;
    const int64_t length = t->sizes[dim];
    copy_into(p, *t, narrow(out, dim, offset, length));
    offset += length;
  }
}

void stack(Primitives& p, const KernelCall& call) {
  const Tensor& out = output(call);
  const int64_t dim = normalize_dim(call.int_or("dim", 0), out.rank());
  int64_t index = 0;
  for (const std::optional<Tensor>& t : tensor_list(call)) {
    if (t) copy_into(p, *t, select(out, dim, index++));
  }
}

// triu keeps column - row >= diagonal; tril keeps column - row <= diagonal.
void triangle(Primitives& p, const KernelCall& call, BinaryOp keep_op) {
  const Tensor& self = call.tensor("self");
  const Tensor& out = output(call);
  if (self.rank() < 2) throw BackendError("triu/tril: rank < 2");
  const int64_t rows = self.sizes[self.rank() - 2], cols = self.sizes.back();
  const Tensor row_index = empty(p, DType::Int64, {rows});
  const Tensor col_index = empty(p, DType::Int64, {cols});
  p.arange(0, 1, row_index);
  p.arange(0, 1, col_index);
  const Tensor offset = empty(p, DType::Int64, {rows, cols});
  p.binary(BinaryOp::Sub, broadcast_to(col_index, {rows, cols}),
           broadcast_to(unsqueeze(row_index, 1), {rows, cols}), offset, 1.0);
  const Tensor keep = empty(p, DType::Bool, {rows, cols});
  const double diagonal = static_cast<double>(call.int_or("diagonal", 0));
  p.binary(keep_op, offset, broadcast_to(scalar_tensor(p, diagonal, DType::Int64), {rows, cols}),
           keep, 1.0);
  const Tensor zero = broadcast_to(scalar_tensor(p, 0, out.dtype), out.sizes);
  const Tensor in = broadcast_to(self, out.sizes);
  OutputSlot slot(p, out, {&in});
  p.where(broadcast_to(keep, out.sizes), in, zero, slot.target());
  slot.commit();
}

}  // namespace

void add_shape_kernels(KernelTable& t) {
  lower(t, {"aten::copy_", "aten::copy", "aten::copy.out"}, copy_fn("src"));
  lower(t, {"aten::_to_copy", "aten::_to_copy.out", "aten::clone", "aten::clone.out",
            "aten::contiguous", "aten::to.dtype", "aten::to.device", "aten::to.dtype_layout",
            "aten::to.other", "aten::lift_fresh_copy", "aten::lift_fresh_copy.out",
            "aten::detach_copy", "aten::alias_copy", "aten::positive"},
        copy_fn("self"));
  lower(t, {"aten::dropout", "aten::dropout_", "aten::feature_dropout", "aten::alpha_dropout"},
        copy_fn("input"), why_dropout);
  lower(t, {"aten::cat", "aten::cat.out", "aten::concat", "aten::concatenate"}, cat);
  lower(t, {"aten::stack", "aten::stack.out"}, stack);
  lower(t, {"aten::triu", "aten::triu_", "aten::triu.out"},
        [](Primitives& p, const KernelCall& call) { triangle(p, call, BinaryOp::Ge); });
  lower(t, {"aten::tril", "aten::tril_", "aten::tril.out"},
        [](Primitives& p, const KernelCall& call) { triangle(p, call, BinaryOp::Le); });
}

}  // namespace tapml::backends::lowering
