// The primitive kernels a backend implements. Aten operators are many and
// mostly compositions of a few computations; backends/lowering/ maps each
// aten op onto these primitives once, for every backend, and each backend
// folder implements only this small table on its device (ggml's backend
// interface works the same way). Adding an aten op: add a lowering. Adding a
// backend: copy backends/cpu/ and implement these on the new device.
//
// Conventions for every primitive:
// - Tensors are strided views (Tensor in backend.h): any strides, including
//   0 (broadcast) and negative-free permutations; offsets and strides count
//   elements. Kernels index through strides, never assume contiguity.
// - Operands may have different dtypes; kernels load each element converted
//   to the compute type and store converted to the output's dtype. Compute
//   type: float (fp32) when the output or any operand is floating, else int64
//   (bool is 0/1). Float64 computes in fp32 on GPUs (their tolerance says so).
// - Ranks up to kMaxRank. Shapes are already broadcast by the lowering:
//   every input of an elementwise primitive has the output's sizes.
// - Outputs never alias inputs unless the primitive says so; the lowering
//   copies through a temporary where an aten op writes in place.
#pragma once

#include <cstdint>
#include <optional>

#include "backends/backend.h"

namespace tapml::backends {

inline constexpr int kMaxRank = 8;

enum class UnaryOp : uint8_t {
  Copy,  // also casts: out = in converted to out's dtype
  Neg,
  Abs,
  Exp,
  Log,
  Sqrt,
  Rsqrt,
  Reciprocal,
  Sin,
  Cos,
  Tanh,
  Sigmoid,
  Silu,
  GeluErf,   // gelu(approximate='none')
  GeluTanh,  // gelu(approximate='tanh')
  Relu,
  BitwiseNot,  // logical not for bool
  ClampMin,    // max(x, a)
  ClampMax,    // min(x, a)
  Clamp,       // min(max(x, a), b)
  PowScalar,   // x ** a
  Fill,        // out = a (in ignored, may be empty)
  Expm1,       // exp(x) - 1, exact near 0
  Log1p,       // log(1 + x), exact near 0
  Softplus,    // log1p(exp(a·x)) / a, or x where a·x > b (torch's beta, threshold)
  Erfinv,      // the inverse of erf on (-1, 1); ±inf at ±1
};

enum class BinaryOp : uint8_t {
  Add,  // a + alpha * b
  Sub,  // a - alpha * b
  Mul,
  Div,       // true division
  DivTrunc,  // rounding_mode='trunc'
  DivFloor,  // rounding_mode='floor'
  Pow,
  Max,
  Min,
  Eq,
  Ne,
  Lt,
  Le,
  Gt,
  Ge,
  BitwiseAnd,
  BitwiseOr,
  BitwiseXor,
  LogicalAnd,
  LogicalOr,
};

enum class ReduceOp : uint8_t {
  Sum,
  Mean,
  Max,
  Min,
  Prod,
  ArgMax,  // index (int64) of the first maximum
  ArgMin,
  Any,
  All,
  Norm2,  // sqrt(sum(x^2))
};

struct UnaryParams {
  double a = 0;
  double b = 0;
};

class Primitives {
 public:
  virtual ~Primitives() = default;

  // The device these primitives run on (for temporaries and uploads).
  virtual Device& device() = 0;

  // out[i] = op(in[i]). `in` has out's sizes (may be broadcast); ignored for Fill.
  virtual void unary(UnaryOp op, const Tensor& in, const Tensor& out, UnaryParams params) = 0;

  // out[i] = op(a[i], b[i]); a and b have out's sizes (broadcast by strides 0).
  // `alpha` scales b for Add and Sub.
  virtual void binary(BinaryOp op, const Tensor& a, const Tensor& b, const Tensor& out,
                      double alpha) = 0;

  // out[i] = cond[i] ? a[i] : b[i]; all with out's sizes.
  virtual void where(const Tensor& cond, const Tensor& a, const Tensor& b, const Tensor& out) = 0;

  // Reduces the last `reduce_dims` dims of `in`; `out` has in's leading
  // rank - reduce_dims sizes (the lowering permutes reduced dims to the end
  // by strides and views keepdim outputs without their size-1 dims).
  // Sum and Mean accumulate in fp32 at least.
  virtual void reduce(ReduceOp op, const Tensor& in, int reduce_dims, const Tensor& out) = 0;

  // Inclusive cumulative sum along the last dim; out has in's sizes.
  virtual void cumsum(const Tensor& in, const Tensor& out) = 0;

  // out[b] = beta * bias[b] + alpha * (a[b] @ w[b]) with a: [B, M, K], w: [B, K, N],
  // bias (optional, broadcast to [B, M, N]) and out: [B, M, N], all strided.
  // Accumulates in fp32.
  virtual void matmul(const Tensor& a, const Tensor& w, const std::optional<Tensor>& bias,
                      const Tensor& out, double alpha, double beta) = 0;

  // Softmax (or log-softmax) along the last dim of in: [R, C] -> out: [R, C].
  virtual void softmax(const Tensor& in, const Tensor& out, bool log) = 0;

  // Layer norm over the last dim of in: [R, C]; weight and bias: [C] optional.
  // mean and rstd: [R] optional outputs (native_layer_norm returns them).
  virtual void layer_norm(const Tensor& in, const std::optional<Tensor>& weight,
                          const std::optional<Tensor>& bias, double eps, const Tensor& out,
                          const std::optional<Tensor>& mean, const std::optional<Tensor>& rstd) = 0;

  // out[r, c] = in[index[r], c]: in: [N, C], index: [R] (int64/int32), out: [R, C].
  // An index out of [0, N) (negative ones count from the end) leaves a NaN row.
  virtual void gather_rows(const Tensor& in, const Tensor& index, const Tensor& out) = 0;

  // out[i] = start + i * step along a 1-d out.
  virtual void arange(double start, double step, const Tensor& out) = 0;

  // Scaled dot-product attention: q: [B, L, E], k: [B, S, E], v: [B, S, Ev],
  // mask (optional, broadcast to [B, L, S]: bool keeps where true, float adds),
  // causal (keep s <= l + S - L), out: [B, L, Ev]. Softmax in fp32.
  virtual void attention(const Tensor& q, const Tensor& k, const Tensor& v,
                         const std::optional<Tensor>& mask, bool causal, double scale,
                         const Tensor& out) = 0;
};

}  // namespace tapml::backends
