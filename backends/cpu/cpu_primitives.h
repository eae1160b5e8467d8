// The primitives in plain reference C++: strided loops over host memory,
// fp32 arithmetic for floats (double for float64), int64 for integers, and
// fp32-or-better accumulation. Split by family over cpu_*.cpp.
#pragma once

#include "backends/primitives.h"

namespace tapml::backends::cpu {

class CpuPrimitives : public Primitives {
 public:
  explicit CpuPrimitives(Device& device) : device_(device) {}
  Device& device() override { return device_; }

  // cpu_elementwise.cpp
  void unary(UnaryOp op, const Tensor& in, const Tensor& out, UnaryParams params) override;
  void binary(BinaryOp op, const Tensor& a, const Tensor& b, const Tensor& out,
              double alpha) override;
  void where(const Tensor& cond, const Tensor& a, const Tensor& b, const Tensor& out) override;
  void arange(double start, double step, const Tensor& out) override;

  // cpu_reduce.cpp
  void reduce(ReduceOp op, const Tensor& in, int reduce_dims, const Tensor& out) override;
  void cumsum(const Tensor& in, const Tensor& out) override;

  // cpu_rows.cpp
  void softmax(const Tensor& in, const Tensor& out, bool log) override;
  void layer_norm(const Tensor& in, const std::optional<Tensor>& weight,
                  const std::optional<Tensor>& bias, double eps, const Tensor& out,
                  const std::optional<Tensor>& mean, const std::optional<Tensor>& rstd) override;
  void gather_rows(const Tensor& in, const Tensor& index, const Tensor& out) override;

  // cpu_matmul.cpp
  void matmul(const Tensor& a, const Tensor& w, const std::optional<Tensor>& bias,
              const Tensor& out, double alpha, double beta) override;
  void attention(const Tensor& q, const Tensor& k, const Tensor& v,
                 const std::optional<Tensor>& mask, bool causal, double scale,
                 const Tensor& out) override;

 private:
  Device& device_;
};

}  // namespace tapml::backends::cpu
