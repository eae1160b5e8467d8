// Elementwise aten ops: unary maths and activations, binary arithmetic,
// comparisons and bitwise ops, where and masked_fill. In-place (op_) and out=
// variants share the functional op's lowering: their output is the aliased
// tensor, and OutputSlot keeps primitives from writing what they read.
#include <limits>

#include "backends/lowering/families.h"
#include "backends/lowering/kernel_support.h"

namespace tapml::backends::lowering {
namespace {

void unary(Primitives& p, const KernelCall& call, UnaryOp op, UnaryParams params = {}) {
  const Tensor& out = output(call);
  const Tensor in = broadcast_to(call.tensor("self"), out.sizes);
  OutputSlot slot(p, out, {&in});
  p.unary(op, in, slot.target(), params);
  slot.commit();
}

LoweredFn unary_fn(UnaryOp op) {
  return [op](Primitives& p, const KernelCall& call) { unary(p, call, op); };
}

// out = op(a, b) where a and b are the arguments named (tensors or Scalars).
void binary(Primitives& p, const KernelCall& call, BinaryOp op, const char* a_name,
            const char* b_name) {
  const Tensor& out = output(call);
  auto dtype_of = [&](const char* name) {
    return is_tensor(call, name) ? call.tensor(name).dtype : out.dtype;
  };
  const Tensor a = operand(p, call, a_name, out.sizes, dtype_of(b_name), out.dtype);
  const Tensor b = operand(p, call, b_name, out.sizes, dtype_of(a_name), out.dtype);
  OutputSlot slot(p, out, {&a, &b});
  p.binary(op, a, b, slot.target(), call.float_or("alpha", 1.0));
  slot.commit();
}

LoweredFn binary_fn(BinaryOp op, const char* a_name = "self", const char* b_name = "other") {
  return [=](Primitives& p, const KernelCall& call) { binary(p, call, op, a_name, b_name); };
}

void divide(Primitives& p, const KernelCall& call) {
  BinaryOp op = BinaryOp::Div;
  if (const auto* mode = call.find("rounding_mode")) {
    if (const auto* name = std::get_if<std::string>(mode)) {
      op = *name == "trunc" ? BinaryOp::DivTrunc : *name == "floor" ? BinaryOp::DivFloor : op;
    }
  }
  binary(p, call, op, "self", "other");
}

std::string why_rounding_mode(const KernelCall& call) {
  const Value* mode = call.find("rounding_mode");
  if (!mode || std::holds_alternative<std::monostate>(*mode)) return {};
  const auto* name = std::get_if<std::string>(mode);
  if (name && (*name == "trunc" || *name == "floor")) return {};
  return "unknown rounding_mode";
}

void gelu(Primitives& p, const KernelCall& call) {
  const Value* approximate = call.find("approximate");
  const auto* name = approximate ? std::get_if<std::string>(approximate) : nullptr;
  unary(p, call, name && *name == "tanh" ? UnaryOp::GeluTanh : UnaryOp::GeluErf);
}

std::string why_gelu(const KernelCall& call) {
  const Value* approximate = call.find("approximate");
  const auto* name = approximate ? std::get_if<std::string>(approximate) : nullptr;
  if (!name || *name == "none" || *name == "tanh") return {};
  return "gelu approximate='" + *name + "'";
}

// clamp with Scalar bounds (either may be None).
void clamp_scalar(Primitives& p, const KernelCall& call) {
  const bool has_min = !call.is_none("min");
  const bool has_max = !call.is_none("max");
  UnaryParams params{has_min ? scalar_value(call, "min") : 0,
                     has_max ? scalar_value(call, "max") : 0};
  if (has_min && has_max) return unary(p, call, UnaryOp::Clamp, params);
  if (has_min) return unary(p, call, UnaryOp::ClampMin, params);
  if (has_max) return unary(p, call, UnaryOp::ClampMax, params);
  unary(p, call, UnaryOp::Copy);
}

// clamp with tensor bounds: max(self, min), then min(that, max).
void clamp_tensor(Primitives& p, const KernelCall& call) {
  const Tensor& out = output(call);
  const Tensor self = broadcast_to(call.tensor("self"), out.sizes);
  OutputSlot slot(p, out, {&self});
  Tensor current = self;
  for (const auto& [name, op] :
       {std::pair{"min", BinaryOp::Max}, std::pair{"max", BinaryOp::Min}}) {
    if (call.is_none(name)) continue;
    const Tensor bound = broadcast_to(call.tensor(name), out.sizes);
    Tensor next = empty(p, out.dtype, out.sizes);
    p.binary(op, current, bound, next, 1.0);
    current = next;
  }
  p.unary(UnaryOp::Copy, current, slot.target(), {});
  slot.commit();
}

void clamp_one(Primitives& p, const KernelCall& call, const char* name, UnaryOp scalar_op,
               BinaryOp tensor_op) {
  if (is_tensor(call, name)) return binary(p, call, tensor_op, "self", name);
  UnaryParams params;
  (scalar_op == UnaryOp::ClampMin ? params.a : params.b) = scalar_value(call, name);
  unary(p, call, scalar_op, params);
}

void pow_tensor_scalar(Primitives& p, const KernelCall& call) {
  unary(p, call, UnaryOp::PowScalar, {scalar_value(call, "exponent"), 0});
}

// where(condition, self, other) and masked_fill(self, mask, value) alike.
void select_where(Primitives& p, const KernelCall& call, const char* cond_name,
                  const char* true_name, const char* false_name) {
  const Tensor& out = output(call);
  const Tensor cond = broadcast_to(call.tensor(cond_name), out.sizes);
  auto dtype_of = [&](const char* name) {
    return is_tensor(call, name) ? call.tensor(name).dtype : out.dtype;
  };
  const Tensor a = operand(p, call, true_name, out.sizes, dtype_of(false_name), out.dtype);
  const Tensor b = operand(p, call, false_name, out.sizes, dtype_of(true_name), out.dtype);
  OutputSlot slot(p, out, {&cond, &a, &b});
  p.where(cond, a, b, slot.target());
  slot.commit();
}

void logical_not(Primitives& p, const KernelCall& call) {
  const Tensor& out = output(call);
  const Tensor in = broadcast_to(call.tensor("self"), out.sizes);
  const Tensor zero = broadcast_to(scalar_tensor(p, 0, DType::Int64), out.sizes);
  OutputSlot slot(p, out, {&in});
  p.binary(BinaryOp::Eq, in, zero, slot.target(), 1.0);
  slot.commit();
}

// A unary op's functional, in-place and out= names.
#define TAPML_UNARY(name) \
  { "aten::" name, "aten::" name "_", "aten::" name ".out" }
// A binary op's Tensor and Scalar overloads, in place and out=.
#define TAPML_BINARY(name)                                                           \
  {                                                                                  \
    "aten::" name ".Tensor", "aten::" name ".Scalar", "aten::" name "_.Tensor",      \
        "aten::" name "_.Scalar", "aten::" name ".out", "aten::" name ".Scalar_out", \
        "aten::" name ".Tensor_out"                                                  \
  }

// isnan, isinf, isposinf, isneginf, isfinite: comparisons on the device
// (x != x; x == ±inf; |x| == inf; x - x == 0, which only a finite x meets).
enum class Class { Nan, Inf, PosInf, NegInf, Finite };

void classify(Primitives& p, const KernelCall& call, Class what) {
  const Tensor& self = call.tensor("self");
  const Tensor& out = output(call);
  const std::vector<int64_t>& sizes = out.sizes;
  auto constant = [&](double value) {
    return broadcast_to(scalar_tensor(p, value, DType::Float32), sizes);
  };
  constexpr double kInf = std::numeric_limits<double>::infinity();
  OutputSlot slot(p, out, {&self});
  const Tensor x = broadcast_to(self, sizes);
  switch (what) {
    case Class::Nan:
      p.binary(BinaryOp::Ne, x, x, slot.target(), 1.0);
      break;
    case Class::PosInf:
    case Class::NegInf:
      p.binary(BinaryOp::Eq, x, constant(what == Class::PosInf ? kInf : -kInf), slot.target(), 1.0);
      break;
    case Class::Inf: {
      const Tensor magnitude = empty(p, DType::Float32, sizes);
      p.unary(UnaryOp::Abs, x, magnitude, {});
      p.binary(BinaryOp::Eq, magnitude, constant(kInf), slot.target(), 1.0);
      break;
    }
    case Class::Finite: {
      const Tensor difference = empty(p, DType::Float32, sizes);
      p.binary(BinaryOp::Sub, x, x, difference, 1.0);
      p.binary(BinaryOp::Eq, difference, constant(0.0), slot.target(), 1.0);
      break;
    }
  }
  slot.commit();
}

LoweredFn classify_fn(Class what) {
  return [what](Primitives& p, const KernelCall& call) { classify(p, call, what); };
}

}  // namespace

void add_elementwise_kernels(KernelTable& t) {
  lower(t, {"aten::isnan"}, classify_fn(Class::Nan));
  lower(t, {"aten::isinf"}, classify_fn(Class::Inf));
  lower(t, {"aten::isposinf", "aten::isposinf.out"}, classify_fn(Class::PosInf));
  lower(t, {"aten::isneginf", "aten::isneginf.out"}, classify_fn(Class::NegInf));
  lower(t, {"aten::isfinite"}, classify_fn(Class::Finite));
  lower(t, TAPML_UNARY("abs"), unary_fn(UnaryOp::Abs));
  lower(t, TAPML_UNARY("expm1"), unary_fn(UnaryOp::Expm1));
  lower(t,
        {"aten::floor_divide", "aten::floor_divide.Scalar", "aten::floor_divide_.Tensor",
         "aten::floor_divide_.Scalar", "aten::floor_divide.out", "aten::floor_divide.Scalar_out"},
        binary_fn(BinaryOp::DivFloor));
  lower(t, TAPML_UNARY("log1p"), unary_fn(UnaryOp::Log1p));
  lower(t, TAPML_UNARY("erfinv"), unary_fn(UnaryOp::Erfinv));
  lower(t, {"aten::softplus", "aten::softplus.out"}, [](Primitives& p, const KernelCall& call) {
    unary(p, call, UnaryOp::Softplus,
          {call.float_or("beta", 1.0), call.float_or("threshold", 20.0)});
  });
  lower(t, TAPML_UNARY("neg"), unary_fn(UnaryOp::Neg));
  lower(t, TAPML_UNARY("negative"), unary_fn(UnaryOp::Neg));
  lower(t, TAPML_UNARY("exp"), unary_fn(UnaryOp::Exp));
  lower(t, TAPML_UNARY("log"), unary_fn(UnaryOp::Log));
  lower(t, TAPML_UNARY("sqrt"), unary_fn(UnaryOp::Sqrt));
  lower(t, TAPML_UNARY("rsqrt"), unary_fn(UnaryOp::Rsqrt));
  lower(t, TAPML_UNARY("reciprocal"), unary_fn(UnaryOp::Reciprocal));
  lower(t, TAPML_UNARY("sin"), unary_fn(UnaryOp::Sin));
  lower(t, TAPML_UNARY("cos"), unary_fn(UnaryOp::Cos));
  lower(t, TAPML_UNARY("tanh"), unary_fn(UnaryOp::Tanh));
  lower(t, TAPML_UNARY("sigmoid"), unary_fn(UnaryOp::Sigmoid));
  lower(t, TAPML_UNARY("silu"), unary_fn(UnaryOp::Silu));
  lower(t, TAPML_UNARY("relu"), unary_fn(UnaryOp::Relu));
  lower(t, TAPML_UNARY("bitwise_not"), unary_fn(UnaryOp::BitwiseNot));
  lower(t, TAPML_UNARY("logical_not"), logical_not);
  lower(t, TAPML_UNARY("gelu"), gelu, why_gelu);
  lower(t, TAPML_UNARY("clamp"), clamp_scalar);
  lower(t, {"aten::clamp.Tensor", "aten::clamp_.Tensor", "aten::clamp.Tensor_out"}, clamp_tensor);
  lower(t,
        {"aten::clamp_min", "aten::clamp_min_", "aten::clamp_min.out", "aten::clamp_min.Tensor",
         "aten::clamp_min_.Tensor", "aten::clamp_min.Tensor_out"},
        [](Primitives& p, const KernelCall& c) {
          clamp_one(p, c, "min", UnaryOp::ClampMin, BinaryOp::Max);
        });
  lower(t,
        {"aten::clamp_max", "aten::clamp_max_", "aten::clamp_max.out", "aten::clamp_max.Tensor",
         "aten::clamp_max_.Tensor", "aten::clamp_max.Tensor_out"},
        [](Primitives& p, const KernelCall& c) {
          clamp_one(p, c, "max", UnaryOp::ClampMax, BinaryOp::Min);
        });
  lower(t, {"aten::pow.Tensor_Scalar", "aten::pow_.Scalar", "aten::pow.Tensor_Scalar_out"},
        pow_tensor_scalar);
  lower(t,
        {"aten::pow.Tensor_Tensor", "aten::pow_.Tensor", "aten::pow.Tensor_Tensor_out",
         "aten::pow.Scalar", "aten::pow.Scalar_out"},
        binary_fn(BinaryOp::Pow, "self", "exponent"));

  lower(t, TAPML_BINARY("add"), binary_fn(BinaryOp::Add));
  lower(t, TAPML_BINARY("sub"), binary_fn(BinaryOp::Sub));
  lower(t, TAPML_BINARY("subtract"), binary_fn(BinaryOp::Sub));
  lower(
      t,
      {"aten::rsub.Tensor", "aten::rsub.Scalar", "aten::rsub.Tensor_out", "aten::rsub.Scalar_out"},
      binary_fn(BinaryOp::Sub, "other", "self"));
  lower(t, TAPML_BINARY("mul"), binary_fn(BinaryOp::Mul));
  lower(t, TAPML_BINARY("multiply"), binary_fn(BinaryOp::Mul));
  lower(t, TAPML_BINARY("div"), divide);
  lower(t, TAPML_BINARY("true_divide"), divide);
  lower(t,
        {"aten::div.Tensor_mode", "aten::div_.Tensor_mode", "aten::div.Scalar_mode",
         "aten::div_.Scalar_mode", "aten::div.out_mode", "aten::div.Scalar_mode_out"},
        divide, why_rounding_mode);
  lower(t, TAPML_BINARY("floor_divide"), binary_fn(BinaryOp::DivFloor));
  lower(t, {"aten::maximum", "aten::maximum.out", "aten::max.other", "aten::max.out"},
        binary_fn(BinaryOp::Max));
  lower(t, {"aten::minimum", "aten::minimum.out", "aten::min.other", "aten::min.out"},
        binary_fn(BinaryOp::Min));

  lower(t, TAPML_BINARY("eq"), binary_fn(BinaryOp::Eq));
  lower(t, TAPML_BINARY("ne"), binary_fn(BinaryOp::Ne));
  lower(t, TAPML_BINARY("lt"), binary_fn(BinaryOp::Lt));
  lower(t, TAPML_BINARY("le"), binary_fn(BinaryOp::Le));
  lower(t, TAPML_BINARY("gt"), binary_fn(BinaryOp::Gt));
  lower(t, TAPML_BINARY("ge"), binary_fn(BinaryOp::Ge));
  lower(t, TAPML_BINARY("bitwise_and"), binary_fn(BinaryOp::BitwiseAnd));
  lower(t, TAPML_BINARY("bitwise_or"), binary_fn(BinaryOp::BitwiseOr));
  lower(t, TAPML_BINARY("bitwise_xor"), binary_fn(BinaryOp::BitwiseXor));
  lower(t, {"aten::bitwise_and.Scalar_Tensor"}, binary_fn(BinaryOp::BitwiseAnd));
  lower(t, {"aten::bitwise_or.Scalar_Tensor"}, binary_fn(BinaryOp::BitwiseOr));
  lower(t, {"aten::bitwise_xor.Scalar_Tensor"}, binary_fn(BinaryOp::BitwiseXor));
  lower(t,
        {"aten::__and__.Tensor", "aten::__and__.Scalar", "aten::__iand__.Tensor",
         "aten::__iand__.Scalar"},
        binary_fn(BinaryOp::BitwiseAnd));
  lower(t,
        {"aten::__or__.Tensor", "aten::__or__.Scalar", "aten::__ior__.Tensor",
         "aten::__ior__.Scalar"},
        binary_fn(BinaryOp::BitwiseOr));
  lower(t,
        {"aten::__xor__.Tensor", "aten::__xor__.Scalar", "aten::__ixor__.Tensor",
         "aten::__ixor__.Scalar"},
        binary_fn(BinaryOp::BitwiseXor));
  lower(t, {"aten::logical_and", "aten::logical_and_", "aten::logical_and.out"},
        binary_fn(BinaryOp::LogicalAnd));
  lower(t, {"aten::logical_or", "aten::logical_or_", "aten::logical_or.out"},
        binary_fn(BinaryOp::LogicalOr));

  lower(
      t,
      {"aten::where.self", "aten::where.self_out", "aten::where.ScalarSelf",
       "aten::where.ScalarOther", "aten::where.Scalar"},
      [](Primitives& p, const KernelCall& c) { select_where(p, c, "condition", "self", "other"); });
  lower(
      t,
      {"aten::masked_fill.Scalar", "aten::masked_fill.Tensor", "aten::masked_fill_.Scalar",
       "aten::masked_fill_.Tensor", "aten::masked_fill.Scalar_out", "aten::masked_fill.Tensor_out"},
      [](Primitives& p, const KernelCall& c) { select_where(p, c, "mask", "value", "self"); });
}

}  // namespace tapml::backends::lowering
