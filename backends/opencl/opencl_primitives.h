// The primitives of backends/primitives.h as OpenCL kernels. The methods live
// in one file per family: elementwise.cpp (unary, binary, where, arange),
// reductions.cpp (reduce, cumsum), rows.cpp (softmax, layer_norm,
// gather_rows), matmul.cpp (matmul, attention).
#pragma once

#include "backends/opencl/opencl_device.h"
#include "backends/primitives.h"

namespace tapml::backends::opencl {

class OpenCLPrimitives : public Primitives {
 public:
  explicit OpenCLPrimitives(OpenCLDevice& device) : device_(device) {}

  Device& device() override { return device_; }
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
  // matmul without the planted bug: attention's products must stay right
  // when matmul-ignores-stride is planted, so that only matmul's ops fail.
  void matmul_kernel(const Tensor& a, const Tensor& w, const std::optional<Tensor>& bias,
                     const Tensor& out, double alpha, double beta);
  // out = in for views of one dtype, bit for bit.
  void copy_raw(const Tensor& in, const Tensor& out);

  OpenCLDevice& device_;
};

}  // namespace tapml::backends::opencl
