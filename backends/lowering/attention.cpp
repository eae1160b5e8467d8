// Scaled dot-product attention: the public op and CPU flash attention (which
// also returns the logsumexp of each query's scores). Batch and head dims fold
// into the primitive's B by strides; grouped-query attention (fewer key/value
// heads) repeats key/value heads by stride-0 views, never by copies.
#include <cmath>
#include <limits>

#include "backends/lowering/families.h"
#include "backends/lowering/kernel_support.h"

namespace tapml::backends::lowering {
namespace {

constexpr double kMinusInf = -std::numeric_limits<double>::infinity();

// Keeps key s for query l where s <= l: torch's causal mask, aligned at the
// top left (a square case matches the primitive's own causal flag).
Tensor causal_keep(Primitives& p, int64_t queries, int64_t keys) {
  const Tensor rows = empty(p, DType::Int64, {queries});
  const Tensor cols = empty(p, DType::Int64, {keys});
  p.arange(0, 1, rows);
  p.arange(0, 1, cols);
  const Tensor keep = empty(p, DType::Bool, {queries, keys});
  p.binary(BinaryOp::Le, broadcast_to(cols, {queries, keys}),
           broadcast_to(unsqueeze(rows, 1), {queries, keys}), keep, 1.0);
  return keep;
}

// scores masked: a bool mask keeps where true, a float mask adds.
Tensor apply_mask(Primitives& p, const Tensor& scores, const Tensor& mask) {
  const Tensor masked = empty(p, scores.dtype, scores.sizes);
  if (dtype_is_floating(mask.dtype)) {
    p.binary(BinaryOp::Add, scores, mask, masked, 1.0);
  } else {
    const Tensor minus_inf = broadcast_to(scalar_tensor(p, kMinusInf, scores.dtype), scores.sizes);
    p.where(mask, scores, minus_inf, masked);
  }
  return masked;
}

// lse[b, l] = log(sum_s exp(scale * q[b, l] . k[b, s] + mask[b, l, s])).
void logsumexp(Primitives& p, const Tensor& q, const Tensor& k, const std::optional<Tensor>& mask,
               double scale, const Tensor& lse) {
  const int64_t batches = q.sizes[0], queries = q.sizes[1], keys = k.sizes[1];
  const std::vector<int64_t> score_sizes = {batches, queries, keys};
  Tensor scores = empty(p, DType::Float32, score_sizes);
  p.matmul(q, transpose(k, 1, 2), std::nullopt, scores, scale, 0.0);
  if (mask) scores = apply_mask(p, scores, *mask);
  const Tensor max = empty(p, DType::Float32, {batches, queries});
  p.reduce(ReduceOp::Max, scores, 1, max);
  const Tensor shifted = empty(p, DType::Float32, score_sizes);
  p.binary(BinaryOp::Sub, scores, broadcast_to(unsqueeze(max, 2), score_sizes), shifted, 1.0);
  const Tensor exps = empty(p, DType::Float32, score_sizes);
  p.unary(UnaryOp::Exp, shifted, exps, {});
  const Tensor sum = empty(p, DType::Float32, {batches, queries});
  p.reduce(ReduceOp::Sum, exps, 1, sum);
  const Tensor log_sum = empty(p, DType::Float32, {batches, queries});
  p.unary(UnaryOp::Log, sum, log_sum, {});
  p.binary(BinaryOp::Add, log_sum, max, lse, 1.0);
}

void attention(Primitives& p, const KernelCall& call) {
  Tensor q = call.tensor("query"), k = call.tensor("key"), v = call.tensor("value");
  Tensor out = output(call, 0);
  std::optional<Tensor> lse;
  if (call.outputs.size() > 1) lse = unsqueeze(call.outputs[1], -1);  // [..., L, 1] like out
  std::optional<Tensor> mask = optional_tensor(call, "attn_mask");
  bool causal = call.bool_or("is_causal", false);
  if (q.rank() < 3 || k.rank() != q.rank() || v.rank() != q.rank()) {
    throw BackendError("attention: query, key and value need the same rank >= 3");
  }
  const int64_t rank = q.rank();
  const int64_t queries = q.sizes[rank - 2], keys = k.sizes[rank - 2];
  const double scale = call.is_none("scale") ? 1 / std::sqrt(static_cast<double>(q.sizes.back()))
                                             : call.float_or("scale", 1.0);
  if (causal && queries != keys) {  // the primitive's causal flag is for square masks only
    const Tensor keep = causal_keep(p, queries, keys);
    if (mask) {
      const std::vector<int64_t> sizes = broadcast_sizes(mask->sizes, keep.sizes);
      const Tensor combined = empty(p, mask->dtype, sizes);
      if (dtype_is_floating(mask->dtype)) {
        p.where(broadcast_to(keep, sizes), broadcast_to(*mask, sizes),
                broadcast_to(scalar_tensor(p, kMinusInf, mask->dtype), sizes), combined);
      } else {
        p.binary(BinaryOp::LogicalAnd, broadcast_to(*mask, sizes), broadcast_to(keep, sizes),
                 combined, 1.0);
      }
      mask = combined;
    } else {
      mask = keep;
    }
    causal = false;
  }
  if (mask) mask = broadcast_to(*mask, broadcast_sizes(mask->sizes, {q.sizes[rank - 3], queries, keys}));
  // Grouped-query attention: query heads [kv_heads, group], key/value heads repeated by stride 0.
  const int64_t heads = q.sizes[rank - 3], kv_heads = k.sizes[rank - 3];
  if (kv_heads != heads) {
    if (kv_heads <= 0 || heads % kv_heads != 0) throw BackendError("attention: heads not a multiple of kv heads");
    const int64_t group = heads / kv_heads;
    std::vector<int64_t> mask_sizes(q.sizes.begin(), q.sizes.end() - 2);
    mask_sizes.insert(mask_sizes.end(), {queries, keys});
    if (mask) mask = split_dim(broadcast_to(*mask, mask_sizes), rank - 3, kv_heads);
    q = split_dim(q, rank - 3, kv_heads);
    out = split_dim(out, rank - 3, kv_heads);
    if (lse) lse = split_dim(*lse, rank - 3, kv_heads);
    auto repeat = [&](const Tensor& t) {
      Tensor view = unsqueeze(t, rank - 2);
      view.sizes[rank - 2] = group;
      view.strides[rank - 2] = 0;
      return view;
    };
    k = repeat(k);
    v = repeat(v);
  }
  const int64_t batch_rank = q.rank() - 2;
  auto with_batch = [&](const Tensor& t, int64_t rows, int64_t cols) {
    std::vector<int64_t> sizes(q.sizes.begin(), q.sizes.begin() + batch_rank);
    sizes.insert(sizes.end(), {rows, cols});
    return broadcast_to(t, sizes);
  };
  std::vector<Tensor> operands = {with_batch(k, keys, k.sizes.back()),
                                  with_batch(v, keys, v.sizes.back())};
  operands.insert(operands.begin(), q);
  if (mask) operands.push_back(with_batch(*mask, queries, keys));
  OutputSlot out_slot(p, out, operands);
  const size_t out_at = operands.size();
  operands.push_back(out_slot.target());
  std::optional<OutputSlot> lse_slot;
  if (lse) {
    lse_slot.emplace(p, *lse, std::initializer_list<const Tensor*>{&q, &k, &v});
    operands.push_back(lse_slot->target());
  }
  for_each_merged_batch(operands, batch_rank, [&](const std::vector<Tensor>& t) {
    const std::optional<Tensor> batch_mask = mask ? std::optional<Tensor>(t[3]) : std::nullopt;
    p.attention(t[0], t[1], t[2], batch_mask, causal, scale, t[out_at]);
    if (!lse) return;
    std::optional<Tensor> lse_mask = batch_mask;
    if (causal) {
      const Tensor keep = causal_keep(p, queries, keys);
      lse_mask = broadcast_to(keep, {t[0].sizes[0], queries, keys});
    }
    logsumexp(p, t[0], t[1], lse_mask, scale, *merge_dims(t[out_at + 1], 1, 3));
  });
  out_slot.commit();
  if (lse_slot) lse_slot->commit();
}

std::string why_attention(const KernelCall& call) {
  if (call.float_or("dropout_p", 0.0) > 0) return "attention dropout is random";
  return {};
}

}  // namespace

void add_attention_kernels(KernelTable& t) {
  lower(t, {"aten::scaled_dot_product_attention",
            "aten::_scaled_dot_product_flash_attention_for_cpu"},
        attention, why_attention);
}

}  // namespace tapml::backends::lowering
