#include "backends/webgpu/webgpu_primitives.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>

#include "backends/webgpu/wgsl_device.h"

namespace tapml::backends::webgpu {
namespace {

bool floating(const Tensor& t) { return dtype_is_floating(t.dtype); }

uint32_t count(const Tensor& out) {
  if (out.numel() > std::numeric_limits<uint32_t>::max()) {
    throw BackendError("webgpu: " + std::to_string(out.numel()) +
                       " elements are more than the kernels' 32-bit indices reach");
  }
  return static_cast<uint32_t>(out.numel());
}

float to_float(double value) {
  if (std::isfinite(value) && std::abs(value) > std::numeric_limits<float>::max()) {
    return value > 0 ? std::numeric_limits<float>::infinity()
                     : -std::numeric_limits<float>::infinity();
  }
  return static_cast<float>(value);
}

// Products of at most this many rows take matvec.wgsl.
constexpr int64_t kMatvecRows = 4;

// attention.wgsl's limit on the head dims.
constexpr int64_t kMaxHeadDim = 1024;

// Rows at least this long get a workgroup each in reduce; shorter ones an invocation.
constexpr int64_t kCooperativeRow = 64;

// A rank-0 tensor as a 1-d one of one element (row kernels index the last dim).
Tensor at_least_1d(const Tensor& t) {
  if (t.rank() > 0) return t;
  Tensor one = t;
  one.sizes = {1};
  one.strides = {1};
  return one;
}

// An integer scalar of integer math, which runs in i32 here (shaders/common.wgsl).
int32_t to_i32(double value, const char* what) {
  if (std::isnan(value) || value < std::numeric_limits<int32_t>::min() ||
      value > std::numeric_limits<int32_t>::max()) {
    throw CallUnsupported(std::string("webgpu: ") + what + " " + std::to_string(value) +
                          " is outside int32's range (WGSL has no 64-bit integers)");
  }
  return static_cast<int32_t>(value);
}

class WebGpuPrimitives final : public Primitives {
 public:
  explicit WebGpuPrimitives(WgslDevice& device) : device_(device) {}

  Device& device() override { return device_; }

  void unary(UnaryOp op, const Tensor& in, const Tensor& out, UnaryParams a_b) override {
    const bool fill = op == UnaryOp::Fill;
    Params params;
    params.n = count(out);
    if (op == UnaryOp::Copy) {
      device_.dispatch("copy", params, {&out, &in});
      return;
    }
    params.k = static_cast<uint32_t>(op);
    const bool int_math = !floating(out) && (fill || !floating(in));
    params.flags = int_math ? 1u : 0u;
    params.fa = to_float(a_b.a);
    params.fb = to_float(a_b.b);
    if (int_math) {
      params.ia = to_i32(a_b.a, "scalar");
      params.ib = to_i32(a_b.b, "scalar");
    }
    if (fill) {
      device_.dispatch("unary", params, {&out});
    } else {
      device_.dispatch("unary", params, {&out, &in});
    }
  }
  void binary(BinaryOp op, const Tensor& a, const Tensor& b, const Tensor& out,
              double alpha) override {
    Params params;
    params.n = count(out);
    params.k = static_cast<uint32_t>(op);
    const bool int_math = !floating(a) && !floating(b) && !floating(out);
    params.flags = (int_math ? 1u : 0u) | (planted_bug("binary-partial-write") ? 2u : 0u) |
                   (op == BinaryOp::Add && planted_bug_on_odd_dispatch("racy-add") ? 4u : 0u);
    params.fa = to_float(alpha);
    if (int_math) params.ia = to_i32(alpha, "alpha");
    device_.dispatch("binary", params, {&out, &a, &b});
  }
  void where(const Tensor& cond, const Tensor& a, const Tensor& b, const Tensor& out) override {
    Params params;
    params.n = count(out);
    params.flags = !floating(a) && !floating(b) && !floating(out) ? 1u : 0u;
    device_.dispatch("where", params, {&out, &cond, &a, &b});
  }
  void reduce(ReduceOp op, const Tensor& in, int reduce_dims, const Tensor& out) override {
    const int64_t outer_rank = in.rank() - reduce_dims;
    if (reduce_dims < 0 || outer_rank < 0 || out.rank() != outer_rank) {
      throw BackendError("webgpu: reduce of " + std::to_string(reduce_dims) + " dims of a rank " +
                         std::to_string(in.rank()) + " tensor into rank " +
                         std::to_string(out.rank()));
    }
    int64_t extent = 1;
    for (int64_t d = outer_rank; d < in.rank(); ++d) extent *= in.sizes[static_cast<size_t>(d)];
    Params params;
    params.n = count(out);
    params.m = static_cast<uint32_t>(extent);
    params.k = static_cast<uint32_t>(reduce_dims);
    params.ib = static_cast<int32_t>(op);
    const bool per_invocation = extent < kCooperativeRow;
    params.flags = (!floating(in) && !floating(out) ? 1u : 0u) | (per_invocation ? 2u : 0u) |
                   (planted_bug("reduce-off-by-one") ? 4u : 0u) |
                   (planted_bug("sum-fp16-accumulate") ? 8u : 0u);
    device_.dispatch("reduce", params, {&out, &in}, per_invocation ? 0 : params.n);
  }
  void cumsum(const Tensor& in, const Tensor& out) override {
    const Tensor in_rows = at_least_1d(in);
    const Tensor out_rows = at_least_1d(out);
    Params params;
    params.n = count(out) / static_cast<uint32_t>(std::max<int64_t>(in_rows.sizes.back(), 1));
    params.flags = !floating(in) && !floating(out) ? 1u : 0u;
    if (count(out) == 0) return;
    device_.dispatch("cumsum", params, {&out_rows, &in_rows});
  }
  void matmul(const Tensor& a, const Tensor& w, const std::optional<Tensor>& bias,
              const Tensor& out, double alpha, double beta) override {
    if (a.rank() != 3 || w.rank() != 3 || out.rank() != 3) {
      throw BackendError("webgpu: matmul takes [B, M, K] x [B, K, N] -> [B, M, N]");
    }
    const bool use_bias = bias.has_value() && beta != 0.0;
    Params params;
    params.n = count(out);
    params.flags = (use_bias ? 1u : 0u) | (planted_bug("matmul-ignores-stride") ? 2u : 0u) |
                   (planted_bug("matmul-bf16-accumulate") ? 4u : 0u);
    params.fa = to_float(alpha);
    params.fb = to_float(beta);
    const Tensor& b = use_bias ? *bias : a;  // unread without the flag
    // Few rows (a decode step): 8 columns per workgroup (matvec.wgsl);
    // otherwise 16 x 16 output tiles (matmul.wgsl).
    const bool few_rows = out.sizes[1] <= kMatvecRows;
    const int64_t groups =
        few_rows ? out.sizes[0] * out.sizes[1] * ((out.sizes[2] + 7) / 8)
                 : out.sizes[0] * ((out.sizes[1] + 15) / 16) * ((out.sizes[2] + 15) / 16);
    device_.dispatch(few_rows ? "matvec" : "matmul", params, {&out, &a, &w, &b},
                     static_cast<uint32_t>(std::min<int64_t>(groups, 65535)));
  }
  void softmax(const Tensor& in, const Tensor& out, bool log) override {
    if (in.rank() != 2 || out.rank() != 2) throw BackendError("webgpu: softmax takes [R, C]");
    Params params;
    params.n = static_cast<uint32_t>(in.sizes[0]);
    params.flags = log ? 1u : 0u;
    if (out.numel() == 0) return;
    device_.dispatch("softmax", params, {&out, &in}, params.n);
  }
  void layer_norm(const Tensor& in, const std::optional<Tensor>& weight,
                  const std::optional<Tensor>& bias, double eps, const Tensor& out,
                  const std::optional<Tensor>& mean, const std::optional<Tensor>& rstd) override {
    if (in.rank() != 2 || out.rank() != 2) throw BackendError("webgpu: layer_norm takes [R, C]");
    Params params;
    params.n = static_cast<uint32_t>(in.sizes[0]);
    params.fa = static_cast<float>(eps);
    params.flags =
        (weight ? 1u : 0u) | (bias ? 2u : 0u) | (planted_bug("layer-norm-wrong-eps") ? 4u : 0u);
    if (params.n == 0) return;
    // An absent weight or bias binds the input in its place (the flags say).
    const Tensor& w = weight ? *weight : in;
    const Tensor& b = bias ? *bias : in;
    device_.dispatch("layer_norm", params, {&out, &in, &w, &b}, params.n);
    for (const auto& [stat, k] : {std::pair{&mean, 1u}, std::pair{&rstd, 2u}}) {
      if (!stat->has_value()) continue;
      params.k = k;
      device_.dispatch("layer_norm", params, {&**stat, &in, &w, &b}, params.n);
    }
  }
  void gather_rows(const Tensor& in, const Tensor& index, const Tensor& out) override {
    if (in.rank() != 2 || index.rank() != 1 || out.rank() != 2) {
      throw BackendError("webgpu: gather_rows takes [N, C], [R] -> [R, C]");
    }
    Params params;
    params.n = count(out);
    params.flags = !floating(in) && !floating(out) ? 1u : 0u;
    device_.dispatch("gather_rows", params, {&out, &in, &index});
  }
  void arange(double start, double step, const Tensor& out) override {
    Params params;
    params.n = count(out);
    if (!floating(out)) {
      params.flags = 1u;
      params.ia = to_i32(start, "arange start");
      params.ib = to_i32(step, "arange step");
      to_i32(start + step * (static_cast<double>(params.n) - 1), "arange end");
    }
    params.fa = to_float(start);
    params.fb = to_float(step);
    device_.dispatch("arange", params, {&out});
  }
  void attention(const Tensor& q, const Tensor& k, const Tensor& v,
                 const std::optional<Tensor>& mask, bool causal, double scale,
                 const Tensor& out) override {
    if (q.rank() != 3 || k.rank() != 3 || v.rank() != 3 || out.rank() != 3) {
      throw BackendError("webgpu: attention takes [B, L, E], [B, S, E], [B, S, Ev] -> [B, L, Ev]");
    }
    if (q.sizes[2] > kMaxHeadDim || v.sizes[2] > kMaxHeadDim) {
      throw BackendError("webgpu: attention head dims " + std::to_string(q.sizes[2]) + " and " +
                         std::to_string(v.sizes[2]) + " exceed " + std::to_string(kMaxHeadDim));
    }
    Params params;
    params.n = static_cast<uint32_t>(q.sizes[0] * q.sizes[1]);
    params.flags =
        (mask ? 1u : 0u) | (mask && mask->dtype == DType::Bool ? 2u : 0u) | (causal ? 4u : 0u);
    params.fa = static_cast<float>(scale);
    if (params.n == 0) return;
    const Tensor& m = mask ? *mask : q;  // unread without the flag
    device_.dispatch("attention", params, {&out, &q, &k, &v, &m},
                     std::min<uint32_t>(params.n, 65535));
  }

 private:
  WgslDevice& device_;
};

}  // namespace

std::unique_ptr<Primitives> make_primitives(WgslDevice& device) {
  return std::make_unique<WebGpuPrimitives>(device);
}

}  // namespace tapml::backends::webgpu
