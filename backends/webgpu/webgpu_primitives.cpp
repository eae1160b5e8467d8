#include "backends/webgpu/webgpu_primitives.h"

#include <cmath>
#include <limits>
#include <string>

#include "backends/webgpu/webgpu_device.h"

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

// An integer scalar of integer math, which runs in i32 here (shaders/common.wgsl).
int32_t to_i32(double value, const char* what) {
  if (std::isnan(value) || value < std::numeric_limits<int32_t>::min() ||
      value > std::numeric_limits<int32_t>::max()) {
    throw BackendError(std::string("webgpu: ") + what + " " + std::to_string(value) +
                       " is outside int32's range (WGSL has no 64-bit integers)");
  }
  return static_cast<int32_t>(value);
}

class WebGpuPrimitives final : public Primitives {
 public:
  explicit WebGpuPrimitives(WebGpuDevice& device) : device_(device) {}

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
    params.flags = int_math ? 1u : 0u;
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
  void reduce(ReduceOp, const Tensor&, int, const Tensor&) override { missing("reduce"); }
  void cumsum(const Tensor&, const Tensor&) override { missing("cumsum"); }
  void matmul(const Tensor&, const Tensor&, const std::optional<Tensor>&, const Tensor&, double,
              double) override {
    missing("matmul");
  }
  void softmax(const Tensor&, const Tensor&, bool) override { missing("softmax"); }
  void layer_norm(const Tensor&, const std::optional<Tensor>&, const std::optional<Tensor>&, double,
                  const Tensor&, const std::optional<Tensor>&,
                  const std::optional<Tensor>&) override {
    missing("layer_norm");
  }
  void gather_rows(const Tensor&, const Tensor&, const Tensor&) override { missing("gather_rows"); }
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
  void attention(const Tensor&, const Tensor&, const Tensor&, const std::optional<Tensor>&, bool,
                 double, const Tensor&) override {
    missing("attention");
  }

 private:
  [[noreturn]] static void missing(const std::string& primitive) {
    throw BackendError("webgpu: the " + primitive + " primitive has no WGSL kernel yet");
  }

  WebGpuDevice& device_;
};

}  // namespace

std::unique_ptr<Primitives> make_primitives(WebGpuDevice& device) {
  return std::make_unique<WebGpuPrimitives>(device);
}

}  // namespace tapml::backends::webgpu
