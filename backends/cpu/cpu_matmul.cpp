// Batched matrix products and scaled dot-product attention.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "backends/cpu/cpu_primitives.h"
#include "backends/cpu/elements.h"
#include "backends/cpu/host_tensor.h"

namespace tapml::backends::cpu {
namespace {

int64_t at3(const Tensor& t, int64_t b, int64_t i, int64_t j) {
  return t.offset + b * t.strides[0] + i * t.strides[1] + j * t.strides[2];
}

void require_sizes(const char* what, const Tensor& t, std::vector<int64_t> sizes) {
  if (t.sizes != sizes) throw BackendError(std::string("cpu: ") + what + " has the wrong sizes");
}

void require_rank3(const char* what, const Tensor& t) {
  if (t.rank() != 3) throw BackendError(std::string("cpu: ") + what + " wants rank 3");
}

// Dot product of two contiguous rows, accumulated in Acc with four partial
// sums (independent chains keep the loop fast without reordering within one).
template <typename Acc, typename T>
Acc dot(const T* x, const T* y, int64_t n) {
  Acc partial[4] = {0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    for (int j = 0; j < 4; ++j)
      partial[j] += static_cast<Acc>(x[i + j]) * static_cast<Acc>(y[i + j]);
  }
  for (; i < n; ++i) partial[0] += static_cast<Acc>(x[i]) * static_cast<Acc>(y[i]);
  return (partial[0] + partial[1]) + (partial[2] + partial[3]);
}

// out = beta * bias + alpha * a @ w for one compute type T, accumulating in Acc.
// The planted matmul-bf16-accumulate bug's dot product: every partial sum
// rounded to bfloat16.
template <typename Acc, typename T>
Acc bf16_dot(const T* a, const T* b, int64_t n) {
  float sum = 0;
  for (int64_t i = 0; i < n; ++i) {
    sum = bfloat16_to_float(float_to_bfloat16(sum + static_cast<float>(a[i] * b[i])));
  }
  return static_cast<Acc>(sum);
}

template <typename T, typename Acc>
void matmul_typed(const Tensor& a, const Tensor& w, const std::optional<Tensor>& bias,
                  const Tensor& out, double alpha, double beta) {
  const int64_t batches = out.sizes[0], rows = out.sizes[1], cols = out.sizes[2];
  const int64_t depth = a.sizes[2];
  const std::byte* a_data = host_data(a);
  const std::byte* w_data = host_data(w);
  const std::byte* bias_data = bias ? host_data(*bias) : nullptr;
  std::byte* out_data = host_data(out);
  // Planted bug: w read as a contiguous [K, N] matrix whatever its strides.
  const bool ignore_w_strides = planted_bug("matmul-ignores-stride");
  // Planted bug: a bfloat16 product accumulated in bfloat16, each partial sum rounded.
  const bool bf16_accumulate = planted_bug("matmul-bf16-accumulate") &&
                               (a.dtype == DType::BFloat16 || w.dtype == DType::BFloat16);
  // a's rows and blocks of w's columns are packed contiguous (k fastest) so that
  // each output element is one contiguous dot product.
  constexpr int64_t kBlock = 64;
  std::vector<T> a_rows(static_cast<size_t>(rows * depth));
  std::vector<T> w_cols(static_cast<size_t>(kBlock * depth));
  for (int64_t b = 0; b < batches; ++b) {
    for (int64_t m = 0; m < rows; ++m) {
      for (int64_t k = 0; k < depth; ++k)
        a_rows[m * depth + k] = load<T>(a.dtype, a_data, at3(a, b, m, k));
    }
    for (int64_t n0 = 0; n0 < cols; n0 += kBlock) {
      const int64_t block = std::min(kBlock, cols - n0);
      for (int64_t n = 0; n < block; ++n) {
        for (int64_t k = 0; k < depth; ++k) {
          const int64_t offset = ignore_w_strides ? w.offset + b * w.strides[0] + k * cols + n0 + n
                                                  : at3(w, b, k, n0 + n);
          w_cols[n * depth + k] = load<T>(w.dtype, w_data, offset);
        }
      }
      for (int64_t m = 0; m < rows; ++m) {
        for (int64_t n = 0; n < block; ++n) {
          Acc value =
              static_cast<Acc>(alpha) *
              (bf16_accumulate ? bf16_dot<Acc>(&a_rows[m * depth], &w_cols[n * depth], depth)
                               : dot<Acc>(&a_rows[m * depth], &w_cols[n * depth], depth));
          if (bias_data) {
            value += static_cast<Acc>(beta) *
                     load<Acc>(bias->dtype, bias_data, at3(*bias, b, m, n0 + n));
          }
          store<Acc>(out.dtype, out_data, at3(out, b, m, n0 + n), value);
        }
      }
    }
  }
}

}  // namespace

void CpuPrimitives::matmul(const Tensor& a, const Tensor& w, const std::optional<Tensor>& bias,
                           const Tensor& out, double alpha, double beta) {
  require_rank3("matmul a", a);
  require_rank3("matmul w", w);
  require_rank3("matmul out", out);
  require_sizes("matmul a", a, {out.sizes[0], out.sizes[1], a.sizes[2]});
  require_sizes("matmul w", w, {out.sizes[0], a.sizes[2], out.sizes[2]});
  if (bias) require_sizes("matmul bias", *bias, out.sizes);
  with_compute_type(compute_type({&a, &w, &out}), [&](auto zero) {
    using T = decltype(zero);
    using Acc = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;
    matmul_typed<T, Acc>(a, w, bias, out, alpha, beta);
  });
}

void CpuPrimitives::attention(const Tensor& q, const Tensor& k, const Tensor& v,
                              const std::optional<Tensor>& mask, bool causal, double scale,
                              const Tensor& out) {
  require_rank3("attention q", q);
  require_rank3("attention k", k);
  require_rank3("attention v", v);
  const int64_t batches = q.sizes[0], queries = q.sizes[1], depth = q.sizes[2];
  const int64_t keys = k.sizes[1], value_depth = v.sizes[2];
  require_sizes("attention k", k, {batches, keys, depth});
  require_sizes("attention v", v, {batches, keys, value_depth});
  require_sizes("attention out", out, {batches, queries, value_depth});
  if (mask) require_sizes("attention mask", *mask, {batches, queries, keys});
  const std::byte* q_data = host_data(q);
  const std::byte* k_data = host_data(k);
  const std::byte* v_data = host_data(v);
  const std::byte* mask_data = mask ? host_data(*mask) : nullptr;
  const bool bool_mask = mask && !dtype_is_floating(mask->dtype);
  std::byte* out_data = host_data(out);
  constexpr double kMasked = -std::numeric_limits<double>::infinity();
  std::vector<double> weights(static_cast<size_t>(keys));
  std::vector<double> row(static_cast<size_t>(value_depth));
  for (int64_t b = 0; b < batches; ++b) {
    for (int64_t l = 0; l < queries; ++l) {
      double max = kMasked;
      for (int64_t s = 0; s < keys; ++s) {
        double score = kMasked;
        const bool causal_keep = !causal || s <= l + keys - queries;
        const bool mask_keep =
            !bool_mask || load<int64_t>(mask->dtype, mask_data, at3(*mask, b, l, s)) != 0;
        if (causal_keep && mask_keep) {
          double sum = 0;
          for (int64_t e = 0; e < depth; ++e) {
            sum += load<double>(q.dtype, q_data, at3(q, b, l, e)) *
                   load<double>(k.dtype, k_data, at3(k, b, s, e));
          }
          score = sum * scale;
          if (mask && !bool_mask)
            score += load<double>(mask->dtype, mask_data, at3(*mask, b, l, s));
        }
        weights[s] = score;
        max = std::max(max, score);
      }
      double total = 0;
      for (int64_t s = 0; s < keys; ++s) {
        weights[s] = std::exp(weights[s] - max);  // a fully masked row gives NaN, as torch's math
        total += weights[s];
      }
      std::fill(row.begin(), row.end(), 0.0);
      for (int64_t s = 0; s < keys; ++s) {
        const double p = weights[s] / total;
        for (int64_t e = 0; e < value_depth; ++e) {
          row[e] += p * load<double>(v.dtype, v_data, at3(v, b, s, e));
        }
      }
      for (int64_t e = 0; e < value_depth; ++e)
        store<double>(out.dtype, out_data, at3(out, b, l, e), row[e]);
    }
  }
}

}  // namespace tapml::backends::cpu
