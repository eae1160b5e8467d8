// Ops that make values from arguments alone: arange, full, ones, zeros,
// scalar_tensor, and the fills (fill_, zero_) of existing tensors.
#include "backends/lowering/families.h"
#include "backends/lowering/kernel_support.h"

namespace tapml::backends::lowering {
namespace {

void fill(Primitives& p, const Tensor& out, double value) {
  p.unary(UnaryOp::Fill, Tensor{}, out, {value, 0});
}

LoweredFn fill_constant_fn(double value) {
  return [value](Primitives& p, const KernelCall& call) { fill(p, output(call), value); };
}

// full, full_like, new_full, scalar_tensor, fill_.Scalar: the Scalar named `name`;
// fill_.Tensor: a 0-d tensor copied in.
LoweredFn fill_value_fn(const char* name) {
  return [name](Primitives& p, const KernelCall& call) {
    if (is_tensor(call, name)) return copy_into(p, call.tensor(name), output(call));
    fill(p, output(call), scalar_value(call, name));
  };
}

void arange(Primitives& p, const KernelCall& call) {
  const Tensor& out = output(call);
  if (out.rank() != 1) throw BackendError("arange: output is not 1-d");
  p.arange(call.float_or("start", 0.0), call.float_or("step", 1.0), out);
}

// linspace as torch computes it: the first half counts up from start, the
// rest down from end, so both ends are exact.
void linspace(Primitives& p, const KernelCall& call) {
  const Tensor& out = output(call);
  if (out.rank() != 1) throw BackendError("linspace: output is not 1-d");
  const int64_t steps = out.sizes[0];
  const double start = scalar_value(call, "start"), end = scalar_value(call, "end");
  if (steps == 0) return;
  if (steps == 1) return fill(p, out, start);
  const double step = (end - start) / static_cast<double>(steps - 1);
  const int64_t halfway = steps / 2;
  p.arange(start, step, narrow(out, 0, 0, halfway));
  p.arange(end - static_cast<double>(steps - halfway - 1) * step, step,
           narrow(out, 0, halfway, steps - halfway));
}

}  // namespace

void add_factory_kernels(KernelTable& t) {
  lower(t, {"aten::linspace", "aten::linspace.out"}, linspace, [](const KernelCall& call) {
    if (is_tensor(call, "start") || is_tensor(call, "end")) {
      return std::string("tensor start or end");
    }
    return dtype_is_floating(output(call).dtype) ? std::string() : std::string("integer linspace");
  });
  lower(t,
        {"aten::arange", "aten::arange.start", "aten::arange.start_step", "aten::arange.out",
         "aten::arange.start_out"},
        arange);
  lower(t,
        {"aten::full", "aten::full.out", "aten::full_like", "aten::full_like.out", "aten::new_full",
         "aten::new_full.out"},
        fill_value_fn("fill_value"));
  lower(t, {"aten::scalar_tensor", "aten::scalar_tensor.out"}, fill_value_fn("s"));
  lower(t,
        {"aten::fill_.Scalar", "aten::fill_.Tensor", "aten::fill.Scalar", "aten::fill.Tensor",
         "aten::fill.Scalar_out", "aten::fill.Tensor_out"},
        fill_value_fn("value"));
  lower(t,
        {"aten::ones", "aten::ones.out", "aten::ones_like", "aten::ones_like.out", "aten::new_ones",
         "aten::new_ones.out"},
        fill_constant_fn(1));
  lower(t,
        {"aten::zeros", "aten::zeros.out", "aten::zeros_like", "aten::zeros_like.out",
         "aten::new_zeros", "aten::new_zeros.out", "aten::zero_", "aten::zero", "aten::zero.out"},
        fill_constant_fn(0));
}

}  // namespace tapml::backends::lowering
