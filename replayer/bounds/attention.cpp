// Scaled dot-product attention, out = softmax(q·kᵀ·scale + mask)·v, in every
// aten spelling (the composite and its math, flash, efficient and cuDNN
// kernels). Three roundings reach an output element: each score sums E
// products (at most e off, a forward bound of its own), which moves each
// softmax weight by a factor within exp(±2e); then the output sums S
// weighted values. So element (i, c) may be off by
// (exp(2e) - 1 + γ(S + 4))·Σ_j p_ij·|v_jc|, the 4 covering exp, the running
// maximum and the normalisation. With float16 or bfloat16 inputs torch
// rounds in the input's precision on the way: every kernel rounds the
// softmax weights to it before weighting the values (the CPU flash kernel's
// reduced copy of the weights, the CUDA kernels, the math path's
// half-precision ops), and the math path rounds each score too; so each
// score may be off by a further u_in·|s| and the weights by 2·u_in. Only
// the output is bounded this way; the logsumexp and debug outputs keep the
// NMSE rule.
#include <cmath>
#include <limits>

#include "replayer/bounds/bound_inputs.h"

namespace tapml::replay::bounds {
namespace {

// For each leading index of q, the leading index of k and v: equal sizes
// map one to one, a size of 1 broadcasts, and grouped-query attention
// shares each key head among Hq / Hk query heads.
std::optional<std::vector<int64_t>> key_rows(const std::vector<int64_t>& q_lead,
                                             const std::vector<int64_t>& k_lead) {
  if (q_lead.size() != k_lead.size()) return std::nullopt;
  std::vector<int64_t> map(static_cast<size_t>(numel(q_lead)));
  for (size_t flat = 0; flat < map.size(); ++flat) {
    int64_t rest = static_cast<int64_t>(flat), k_flat = 0, k_stride = 1;
    for (size_t d = q_lead.size(); d-- > 0;) {
      const int64_t qi = rest % q_lead[d];
      rest /= q_lead[d];
      int64_t ki = 0;
      if (k_lead[d] == q_lead[d]) {
        ki = qi;
      } else if (k_lead[d] != 1) {
        if (q_lead[d] % k_lead[d] != 0) return std::nullopt;
        ki = qi / (q_lead[d] / k_lead[d]);
      }
      k_flat += ki * k_stride;
      k_stride *= k_lead[d];
    }
    map[flat] = k_flat;
  }
  return map;
}

}  // namespace

std::optional<PerSide> attention_bound(const BoundInputs& in, size_t output) {
  const store::TensorMeta* q = in.tensor({"query"});
  const store::TensorMeta* k = in.tensor({"key"});
  const store::TensorMeta* v = in.tensor({"value"});
  if (output != 0 || !q || !k || !v || q->sizes.size() < 2 || k->sizes.size() != q->sizes.size() ||
      v->sizes.size() != q->sizes.size() || in.number("dropout_p").value_or(0) != 0) {
    return std::nullopt;
  }
  const size_t lead_rank = q->sizes.size() - 2;
  const std::vector<int64_t> q_lead(q->sizes.begin(), q->sizes.begin() + lead_rank);
  const std::vector<int64_t> k_lead(k->sizes.begin(), k->sizes.begin() + lead_rank);
  const std::vector<int64_t> v_lead(v->sizes.begin(), v->sizes.begin() + lead_rank);
  const int64_t L = q->sizes[lead_rank], E = q->sizes[lead_rank + 1];
  const int64_t S = k->sizes[lead_rank], Ev = v->sizes[lead_rank + 1];
  if (k->sizes[lead_rank + 1] != E || v->sizes[lead_rank] != S || k_lead != v_lead) {
    return std::nullopt;
  }
  const auto kv_of = key_rows(q_lead, k_lead);
  if (!kv_of) return std::nullopt;
  PerSide side;
  side.rule = "attention";
  side.terms = std::max(E, S);
  side.unit_roundoff = product_roundoff(q->dtype, in.recorded_on_cuda());
  const double u = side.unit_roundoff;
  const double score_gamma = gamma(E + 2, u), sum_gamma = gamma(S + 4, u);
  const bool reduced = q->dtype == DType::Float16 || q->dtype == DType::BFloat16;
  const double u_in = reduced ? unit_roundoff(q->dtype) : 0.0;
  // The bound's factor is at least this, and Σ p·|v| >= |result|.
  side.relative = sum_gamma + 2 * u_in;
  if (in.shapes_only()) return side;
  const std::vector<double> qv = in.values(*q), kv = in.values(*k), vv = in.values(*v);
  // The mask (or bias), broadcast to [q_lead..., L, S]: bool keeps, float adds.
  std::vector<int64_t> score_sizes = q_lead;
  score_sizes.push_back(L);
  score_sizes.push_back(S);
  std::vector<double> mask;
  bool mask_is_bool = false;
  if (const store::TensorMeta* m = in.tensor({"attn_mask", "attn_bias"})) {
    mask = broadcast(in.values(*m), m->sizes, score_sizes);
    mask_is_bool = m->dtype == DType::Bool;
  }
  const bool causal = in.flag("is_causal").value_or(false);
  const double scale = in.number("scale").value_or(1.0 / std::sqrt(static_cast<double>(E)));
  side.bound.assign(static_cast<size_t>(numel(q_lead) * L * Ev), 0.0);
  std::vector<double> score(static_cast<size_t>(S)), weight(static_cast<size_t>(S));
  std::vector<bool> kept(static_cast<size_t>(S));
  for (size_t h = 0; h < kv_of->size(); ++h) {
    const double* kh = kv.data() + (*kv_of)[h] * S * E;
    const double* vh = vv.data() + (*kv_of)[h] * S * Ev;
    for (int64_t i = 0; i < L; ++i) {
      const double* qi = qv.data() + (static_cast<int64_t>(h) * L + i) * E;
      double top = -std::numeric_limits<double>::infinity(), e = 0;
      for (int64_t j = 0; j < S; ++j) {
        const size_t at =
            (h * static_cast<size_t>(L) + static_cast<size_t>(i)) * static_cast<size_t>(S) +
            static_cast<size_t>(j);
        double dot = 0, magnitude = 0;
        for (int64_t c = 0; c < E; ++c) {
          dot += qi[c] * kh[j * E + c];
          magnitude += std::fabs(qi[c] * kh[j * E + c]);
        }
        double s = dot * scale, added = 0;
        bool keep = !(causal && j > i);
        if (!mask.empty()) {
          if (mask_is_bool) {
            keep = keep && mask[at] != 0;
          } else {
            added = mask[at];
            s += added;
          }
        }
        kept[static_cast<size_t>(j)] = keep && std::isfinite(s);
        score[static_cast<size_t>(j)] = s;
        if (!kept[static_cast<size_t>(j)]) continue;
        top = std::max(top, s);
        e = std::max(e, score_gamma * scale * magnitude +
                            (2 * u + u_in) * (std::fabs(s) + std::fabs(added)));
      }
      double total = 0;
      for (int64_t j = 0; j < S; ++j) {
        const auto sj = static_cast<size_t>(j);
        weight[sj] = kept[sj] ? std::exp(score[sj] - top) : 0.0;
        total += weight[sj];
      }
      if (total == 0) continue;  // every key masked: torch's result is NaN or 0
      const double factor = std::expm1(2 * e) + sum_gamma + 2 * u_in;
      double* out = side.bound.data() + (static_cast<int64_t>(h) * L + i) * Ev;
      for (int64_t j = 0; j < S; ++j) {
        const double p = weight[static_cast<size_t>(j)] / total;
        if (p == 0) continue;
        for (int64_t c = 0; c < Ev; ++c) out[c] += p * std::fabs(vh[j * Ev + c]);
      }
      for (int64_t c = 0; c < Ev; ++c) out[c] *= factor;
    }
  }
  return side;
}

}  // namespace tapml::replay::bounds
