#include "backends/lowering/lowering.h"

#include "backends/lowering/families.h"

namespace tapml::backends {

const KernelTable& lowered_kernels() {
  static const KernelTable table = [] {
    KernelTable t;
    lowering::add_elementwise_kernels(t);
    lowering::add_reduce_kernels(t);
    lowering::add_matmul_kernels(t);
    lowering::add_norm_kernels(t);
    lowering::add_index_kernels(t);
    lowering::add_shape_kernels(t);
    lowering::add_factory_kernels(t);
    lowering::add_attention_kernels(t);
    lowering::add_convolution_kernels(t);
    lowering::add_topk_kernels(t);
    lowering::add_index_put_kernels(t);
    lowering::add_pooling_kernels(t);
    return t;
  }();
  return table;
}

}  // namespace tapml::backends
