// Sums, means and running sums: each output element's terms are the inputs
// it reduces, so its bound is γ(n) times the sum of their magnitudes.
#include <cmath>

#include "replayer/bounds/bound_inputs.h"

namespace tapml::replay::bounds {
namespace {

struct Reduced {
  std::vector<double> magnitude;  // Σ|x| per output element
  int64_t terms = 0;
  DType dtype = DType::Float32;
};

// Σ|self| over the dimensions `dim` names (all of them when it is absent,
// None or empty), per output element in row-major order of the kept ones.
std::optional<Reduced> reduce_magnitudes(const BoundInputs& in) {
  const store::TensorMeta* self = in.tensor({"self", "input"});
  if (!self) return std::nullopt;
  const auto rank = static_cast<int64_t>(self->sizes.size());
  std::vector<bool> reduced(self->sizes.size(), true);
  if (auto dims = in.integers("dim"); dims && !dims->empty() && rank > 0) {
    reduced.assign(self->sizes.size(), false);
    for (int64_t d : *dims) {
      if (d < -rank || d >= rank) return std::nullopt;
      reduced[static_cast<size_t>(d < 0 ? d + rank : d)] = true;
    }
  }
  // Output strides of the kept dimensions; 0 along reduced ones.
  std::vector<int64_t> out_stride(self->sizes.size(), 0);
  int64_t outputs = 1, terms = 1;
  for (size_t d = self->sizes.size(); d-- > 0;) {
    if (reduced[d]) {
      terms *= self->sizes[d];
    } else {
      out_stride[d] = outputs;
      outputs *= self->sizes[d];
    }
  }
  Reduced r;
  r.terms = terms;
  r.dtype = self->dtype;
  if (in.shapes_only()) return r;
  r.magnitude.assign(static_cast<size_t>(outputs), 0.0);
  const std::vector<double> x = in.magnitudes(*self);
  std::vector<int64_t> index(self->sizes.size(), 0);
  int64_t target = 0;
  for (double v : x) {
    if (!std::isnan(v)) r.magnitude[static_cast<size_t>(target)] += v;  // nansum skips NaN
    for (size_t d = self->sizes.size(); d-- > 0;) {
      target += out_stride[d];
      if (++index[d] < self->sizes[d]) break;
      target -= out_stride[d] * self->sizes[d];
      index[d] = 0;
    }
  }
  return r;
}

PerSide scaled(const Reduced& r, const char* rule, int64_t terms, double scale) {
  PerSide side;
  side.rule = rule;
  side.terms = terms;
  side.unit_roundoff = reduction_roundoff(r.dtype);
  const double g = gamma(terms, side.unit_roundoff);
  side.relative = g;  // Σ|x|·scale >= |result|
  side.bound.reserve(r.magnitude.size());
  for (double m : r.magnitude) side.bound.push_back(g * m * scale);
  return side;
}

}  // namespace

std::optional<PerSide> sum_bound(const BoundInputs& in, size_t output) {
  if (output != 0) return std::nullopt;
  const auto r = reduce_magnitudes(in);
  if (!r) return std::nullopt;
  return scaled(*r, "sum", r->terms, 1.0);
}

std::optional<PerSide> mean_bound(const BoundInputs& in, size_t output) {
  if (output != 0) return std::nullopt;
  const auto r = reduce_magnitudes(in);
  if (!r || r->terms == 0) return std::nullopt;
  // The sum, then one division by n (or a multiplication by a rounded 1/n).
  return scaled(*r, "mean", r->terms + 2, 1.0 / static_cast<double>(r->terms));
}

std::optional<PerSide> cumsum_bound(const BoundInputs& in, size_t output) {
  const store::TensorMeta* self = in.tensor({"self", "input"});
  const auto dim = in.integer("dim");
  if (output != 0 || !self || !dim || in.shapes_only()) return std::nullopt;
  const auto rank = static_cast<int64_t>(self->sizes.size());
  const int64_t d = rank == 0 ? 0 : (*dim < 0 ? *dim + rank : *dim);
  if (rank > 0 && (d < 0 || d >= rank)) return std::nullopt;
  int64_t length = 1, inner = 1;
  if (rank > 0) {
    length = self->sizes[static_cast<size_t>(d)];
    for (int64_t k = d + 1; k < rank; ++k) inner *= self->sizes[static_cast<size_t>(k)];
  }
  PerSide side;
  side.rule = "cumsum";
  side.terms = length;
  side.unit_roundoff = reduction_roundoff(self->dtype);
  side.bound = in.magnitudes(*self);
  // Running Σ|x| along `dim`; element j of a run sums j + 1 terms.
  const auto total = static_cast<int64_t>(side.bound.size());
  for (int64_t start = 0; start < total; start += length * inner) {
    for (int64_t i = 0; i < inner; ++i) {
      double running = 0;
      for (int64_t j = 0; j < length; ++j) {
        double& v = side.bound[static_cast<size_t>(start + j * inner + i)];
        running += v;
        v = gamma(j + 1, side.unit_roundoff) * running;
      }
    }
  }
  return side;
}

}  // namespace tapml::replay::bounds
