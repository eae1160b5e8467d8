// topk as k rounds of primitives on the device: the extreme of what is left
// along the dim (reduce Max/Min) is the next value, its first position
// (ArgMax/ArgMin) the next index, and that position is then masked with
// -inf (+inf for the smallest) so the next round finds the runner-up. The
// order is torch's for sorted=True; ties go to the lower index. k rounds of
// n work: meant for the small k of routing and sampling (k <= 64).
#include <limits>

#include "backends/lowering/families.h"
#include "backends/lowering/kernel_support.h"

namespace tapml::backends::lowering {
namespace {

constexpr int64_t kMaxRounds = 64;

void topk(Primitives& p, const KernelCall& call) {
  const Tensor self =
      call.tensor("self").rank() == 0 ? unsqueeze(call.tensor("self"), 0) : call.tensor("self");
  Tensor values = output(call, 0), indices = output(call, 1);
  if (call.tensor("self").rank() == 0) {
    values = unsqueeze(values, 0);
    indices = unsqueeze(indices, 0);
  }
  const int64_t k = call.int_or("k", 1);
  const bool largest = call.bool_or("largest", true);
  if (k == 0) return;
  const int64_t dim = normalize_dim(call.int_or("dim", -1), self.rank());
  const int64_t last = self.rank() - 1;
  Tensor left = contiguous_copy(p, move_to_end(self, dim));
  const Tensor value_rounds = move_to_end(values, dim), index_rounds = move_to_end(indices, dim);
  const int64_t n = left.sizes.back();
  const Tensor positions = empty(p, DType::Int64, {n});
  p.arange(0, 1, positions);
  const Tensor found = empty(p, DType::Bool, left.sizes);
  const Tensor taken = broadcast_to(scalar_tensor(p,
                                                  largest ? -std::numeric_limits<double>::infinity()
                                                          : std::numeric_limits<double>::infinity(),
                                                  left.dtype),
                                    left.sizes);
  Tensor next = empty(p, left.dtype, left.sizes);
  for (int64_t round = 0; round < k; ++round) {
    const Tensor value = select(value_rounds, last, round);
    const Tensor index = select(index_rounds, last, round);
    p.reduce(largest ? ReduceOp::Max : ReduceOp::Min, left, 1, value);
    p.reduce(largest ? ReduceOp::ArgMax : ReduceOp::ArgMin, left, 1, index);
    if (round + 1 == k) break;
    p.binary(BinaryOp::Eq, broadcast_to(positions, left.sizes),
             broadcast_to(unsqueeze(index, last), left.sizes), found, 1.0);
    p.where(found, taken, left, next);
    std::swap(left, next);
  }
}

std::string why_not_topk(const KernelCall& call) {
  const Tensor& self = call.tensor("self");
  if (!dtype_is_floating(self.dtype)) return "topk of integers (rounds mask with infinities)";
  if (!call.bool_or("sorted", true)) return "topk with sorted=False (torch's order is unspecified)";
  if (call.int_or("k", 1) > kMaxRounds) {
    return "topk with k > " + std::to_string(kMaxRounds) + " (k rounds of n work each)";
  }
  return {};
}

}  // namespace

void add_topk_kernels(KernelTable& t) {
  lower(t, {"aten::topk", "aten::topk.values"}, topk, why_not_topk);
}

}  // namespace tapml::backends::lowering
