// One registration function per family of aten ops (one file each), and the
// few lowerings one family borrows from another.
#pragma once

#include "backends/backend.h"
#include "backends/primitives.h"

namespace tapml::backends::lowering {

void add_elementwise_kernels(KernelTable& table);  // elementwise.cpp
void add_reduce_kernels(KernelTable& table);       // reduce.cpp
void add_matmul_kernels(KernelTable& table);       // matmul.cpp
void add_norm_kernels(KernelTable& table);         // norm.cpp
void add_index_kernels(KernelTable& table);        // index.cpp
void add_shape_kernels(KernelTable& table);        // shape.cpp
void add_factory_kernels(KernelTable& table);      // factory.cpp
void add_attention_kernels(KernelTable& table);    // attention.cpp
void add_convolution_kernels(KernelTable& table);  // convolution.cpp
void add_topk_kernels(KernelTable& table);         // topk.cpp
void add_index_put_kernels(KernelTable& table);    // index_put.cpp
void add_pooling_kernels(KernelTable& table);      // pooling.cpp

// reduce.cpp: reduces `dims` of `in` (all dims when empty) into `out`, whose
// sizes are in's with the reduced dims dropped or, with keepdim, of size 1.
void reduce_into(Primitives& p, ReduceOp op, const Tensor& in, std::vector<int64_t> dims,
                 const Tensor& out);

// matmul.cpp: out = beta * bias + alpha * a @ w over broadcast batch dims:
// a [..., M, K], w [..., K, N], bias broadcastable to out [..., M, N].
void batched_matmul(Primitives& p, const Tensor& a, const Tensor& w,
                    const std::optional<Tensor>& bias, const Tensor& out, double alpha,
                    double beta);

}  // namespace tapml::backends::lowering
