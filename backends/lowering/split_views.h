// Primitives over views larger than a device can bind at once. Vulkan
// binds each operand as one descriptor range, at most maxStorageBufferRange
// bytes (128 MiB on lavapipe); a 262144 x 640 float32 embedding or LM head
// (671 MB) does not fit. SplitViews wraps a device's primitives: a call
// whose every view fits goes straight through; otherwise the work is cut in
// halves along a dim that splits the oversized view (the rows or columns of
// an elementwise op, a matmul's batch, rows or columns, a gather's table
// rows, a reduction's or a row op's leading rows, attention's batch or
// queries) until every piece fits, each piece a call of the same primitive.
// OpenCL's buffers larger than one allocation are several allocations, and
// a view must lie within one: the same cutting makes it. The lowering wraps
// every device that declares a limit (Device::max_view_bytes,
// buffer_chunk_bytes); TAPML_MAX_VIEW_BYTES (and, for OpenCL,
// TAPML_OPENCL_MAX_ALLOC_BYTES) lower them for tests, so the split paths run
// on every backend in CI.
#pragma once

#include <cstddef>
#include <cstdint>

#include "backends/primitives.h"

namespace tapml::backends::lowering {

// What a view must fit on a device: at most `bytes` (its own limit, or
// TAPML_MAX_VIEW_BYTES when that is set and smaller), and within one
// `chunk` of its buffer (a buffer made of several allocations).
struct ViewLimits {
  size_t bytes = SIZE_MAX;
  size_t chunk = SIZE_MAX;
  bool any() const { return bytes != SIZE_MAX || chunk != SIZE_MAX; }
  bool fit(const Tensor& view) const;
};
ViewLimits view_limits(Device& device);

class SplitViews : public Primitives {
 public:
  SplitViews(Primitives& inner, ViewLimits limits) : inner_(inner), limit_(limits) {}

  Device& device() override { return inner_.device(); }
  void unary(UnaryOp op, const Tensor& in, const Tensor& out, UnaryParams params) override;
  void binary(BinaryOp op, const Tensor& a, const Tensor& b, const Tensor& out,
              double alpha) override;
  void where(const Tensor& cond, const Tensor& a, const Tensor& b, const Tensor& out) override;
  void reduce(ReduceOp op, const Tensor& in, int reduce_dims, const Tensor& out) override;
  void cumsum(const Tensor& in, const Tensor& out) override;
  void matmul(const Tensor& a, const Tensor& w, const std::optional<Tensor>& bias,
              const Tensor& out, double alpha, double beta) override;
  void softmax(const Tensor& in, const Tensor& out, bool log) override;
  void layer_norm(const Tensor& in, const std::optional<Tensor>& weight,
                  const std::optional<Tensor>& bias, double eps, const Tensor& out,
                  const std::optional<Tensor>& mean, const std::optional<Tensor>& rstd) override;
  void gather_rows(const Tensor& in, const Tensor& index, const Tensor& out) override;
  void arange(double start, double step, const Tensor& out) override;
  void attention(const Tensor& q, const Tensor& k, const Tensor& v,
                 const std::optional<Tensor>& mask, bool causal, double scale,
                 const Tensor& out) override;

 private:
  Primitives& inner_;
  ViewLimits limit_;
};

}  // namespace tapml::backends::lowering
