// The primitives of backends/primitives.h as dispatches of the embedded
// compute shaders: this file turns tensors into descriptors (merging dims
// where every operand is contiguous across them), picks the compute type,
// kernel variant and group counts, and sets planted-bug flags.
#pragma once

#include "backends/primitives.h"

namespace tapml::backends::vulkan {

class VulkanDevice;

class VulkanPrimitives final : public Primitives {
 public:
  explicit VulkanPrimitives(VulkanDevice& device) : device_(device) {}

  Device& device() override;
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
  VulkanDevice& device_;
};

}  // namespace tapml::backends::vulkan
