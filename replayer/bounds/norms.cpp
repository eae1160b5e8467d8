// Layer and RMS normalisation: the statistics are sums over each row of N
// elements, and layer norm's output subtracts the mean, which cancels
// exactly where an element is near the mean. Per row:
//   mean  off by  dμ = γ(N+2)·mean|x|
//   var   off by  dv = γ(N+3)·var + 2·dμ·mean|x-μ| + dμ²
//   rstd  off by  rstd·r, r = dv / (2·(var+eps)) + γ(3)
//   out_i off by  |w_i|·rstd·(dμ + |x_i-μ|·r) + γ(3)·(|x_i-μ|·rstd·|w_i| + |b_i|)
// RMS norm has no subtraction: its mean square is off by γ(N+3)·ms.
// Outputs: native_layer_norm's (out, mean, rstd), _fused_rms_norm's (out, rstd).
#include <cmath>
#include <limits>

#include "replayer/bounds/bound_inputs.h"

namespace tapml::replay::bounds {
namespace {

struct Rows {
  const store::TensorMeta* input = nullptr;
  int64_t width = 0;  // N: elements normalised together
  int64_t count = 0;
  std::vector<double> x, weight, bias;  // weight and bias empty when absent
};

std::optional<Rows> rows_of(const BoundInputs& in) {
  if (in.shapes_only()) return std::nullopt;  // cheap enough to compute in full
  Rows r;
  r.input = in.tensor({"input", "self"});
  const auto shape = in.integers("normalized_shape");
  if (!r.input || !shape || shape->size() > r.input->sizes.size()) return std::nullopt;
  r.width = numel(*shape);
  if (r.width <= 0) return std::nullopt;
  r.count = r.input->numel() / r.width;
  r.x = in.values(*r.input);
  if (const store::TensorMeta* w = in.tensor({"weight"})) r.weight = in.magnitudes(*w);
  if (const store::TensorMeta* b = in.tensor({"bias"})) r.bias = in.magnitudes(*b);
  if ((!r.weight.empty() && static_cast<int64_t>(r.weight.size()) != r.width) ||
      (!r.bias.empty() && static_cast<int64_t>(r.bias.size()) != r.width)) {
    return std::nullopt;
  }
  return r;
}

double at_or(const std::vector<double>& v, int64_t i, double fallback) {
  return v.empty() ? fallback : v[static_cast<size_t>(i)];
}

PerSide side_for(const char* rule, const Rows& r) {
  PerSide side;
  side.rule = rule;
  side.terms = r.width;
  side.unit_roundoff = reduction_roundoff(r.input->dtype);
  return side;
}

}  // namespace

std::optional<PerSide> layer_norm_bound(const BoundInputs& in, size_t output) {
  const auto r = rows_of(in);
  const auto eps = in.number("eps");
  if (!r || !eps || output > 2) return std::nullopt;
  PerSide side = side_for("layer norm", *r);
  const double u = side.unit_roundoff, n = static_cast<double>(r->width);
  const double g_mean = gamma(r->width + 2, u), g_var = gamma(r->width + 3, u), g3 = gamma(3, u);
  side.bound.reserve(static_cast<size_t>(output == 0 ? r->count * r->width : r->count));
  for (int64_t row = 0; row < r->count; ++row) {
    const double* x = r->x.data() + row * r->width;
    double sum = 0, sum_abs = 0;
    for (int64_t i = 0; i < r->width; ++i) sum += x[i], sum_abs += std::fabs(x[i]);
    const double mean = sum / n;
    double var = 0, dev_abs = 0;
    for (int64_t i = 0; i < r->width; ++i) {
      var += (x[i] - mean) * (x[i] - mean);
      dev_abs += std::fabs(x[i] - mean);
    }
    var /= n;
    const double d_mean = g_mean * sum_abs / n;
    const double d_var = g_var * var + 2 * d_mean * dev_abs / n + d_mean * d_mean;
    const double rstd = 1 / std::sqrt(var + *eps);
    const double rel = d_var / (2 * (var + *eps)) + g3;
    if (output == 1) {
      side.bound.push_back(d_mean);
    } else if (output == 2) {
      side.bound.push_back(rstd * rel);
    } else {
      for (int64_t i = 0; i < r->width; ++i) {
        const double w = at_or(r->weight, i, 1.0), b = at_or(r->bias, i, 0.0);
        const double dev = std::fabs(x[i] - mean);
        side.bound.push_back(w * rstd * (d_mean + dev * rel) + g3 * (dev * rstd * w + b));
      }
    }
  }
  return side;
}

std::optional<PerSide> rms_norm_bound(const BoundInputs& in, size_t output) {
  const auto r = rows_of(in);
  if (!r || output > 1) return std::nullopt;
  // eps=None means the input dtype's machine epsilon.
  const double eps = in.number("eps").value_or(r->input->dtype == DType::Float64
                                                   ? std::numeric_limits<double>::epsilon()
                                                   : 2 * unit_roundoff(r->input->dtype));
  PerSide side = side_for("rms norm", *r);
  const double u = side.unit_roundoff, n = static_cast<double>(r->width);
  const double g_ms = gamma(r->width + 3, u), g3 = gamma(3, u);
  for (int64_t row = 0; row < r->count; ++row) {
    const double* x = r->x.data() + row * r->width;
    double squares = 0;
    for (int64_t i = 0; i < r->width; ++i) squares += x[i] * x[i];
    const double ms = squares / n;
    const double rstd = 1 / std::sqrt(ms + eps);
    const double rel = g_ms * ms / (2 * (ms + eps)) + g3;
    if (output == 1) {
      side.bound.push_back(rstd * rel);
      continue;
    }
    for (int64_t i = 0; i < r->width; ++i) {
      side.bound.push_back(std::fabs(x[i]) * rstd * at_or(r->weight, i, 1.0) * (rel + g3));
    }
  }
  return side;
}

}  // namespace tapml::replay::bounds
