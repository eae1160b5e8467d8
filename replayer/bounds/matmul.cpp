// Matrix products (mm, bmm, matmul, mv, dot, linear and the add- forms):
// element (i, j) sums the k products A[i, p]·B[p, j], so its magnitude is
// (|A|·|B|)[i, j], plus |beta·C| or |bias| where the op adds one.
#include <cmath>

#include "replayer/bounds/bound_inputs.h"

namespace tapml::replay::bounds {
namespace {

struct Product {
  std::vector<double> magnitude;  // row-major over `sizes`
  std::vector<int64_t> sizes;     // [batch..., m, n] before 1-D operands' dims are dropped
  int64_t k = 0;
};

// |A|·|B| for A [batch..., m, k] and B [batch..., k, n] (batch dimensions
// broadcast; a 1-D A is a row, a 1-D B a column, as torch.matmul does).
std::optional<Product> abs_product(std::vector<double> a, std::vector<int64_t> a_sizes,
                                   std::vector<double> b, std::vector<int64_t> b_sizes,
                                   const std::vector<int64_t>* wanted) {
  if (a_sizes.empty() || b_sizes.empty()) return std::nullopt;
  if (a_sizes.size() == 1) a_sizes.insert(a_sizes.begin(), 1);
  if (b_sizes.size() == 1) b_sizes.push_back(1);
  const int64_t m = a_sizes[a_sizes.size() - 2], k = a_sizes.back();
  const int64_t n = b_sizes.back();
  if (b_sizes[b_sizes.size() - 2] != k) return std::nullopt;
  const std::vector<int64_t> a_batch(a_sizes.begin(), a_sizes.end() - 2);
  const std::vector<int64_t> b_batch(b_sizes.begin(), b_sizes.end() - 2);
  std::vector<int64_t> batch(std::max(a_batch.size(), b_batch.size()), 1);
  for (size_t i = 0; i < batch.size(); ++i) {
    const size_t from_end = batch.size() - 1 - i;
    const int64_t da = from_end < a_batch.size() ? a_batch[a_batch.size() - 1 - from_end] : 1;
    const int64_t db = from_end < b_batch.size() ? b_batch[b_batch.size() - 1 - from_end] : 1;
    if (da != db && da != 1 && db != 1) return std::nullopt;
    batch[i] = std::max(da, db);
  }
  // Batch index -> offset of each operand's matrix.
  const std::vector<double> a_index = [&] {
    std::vector<double> idx(static_cast<size_t>(numel(a_batch)));
    for (size_t i = 0; i < idx.size(); ++i) idx[i] = static_cast<double>(i);
    return broadcast(idx, a_batch, batch);
  }();
  const std::vector<double> b_index = [&] {
    std::vector<double> idx(static_cast<size_t>(numel(b_batch)));
    for (size_t i = 0; i < idx.size(); ++i) idx[i] = static_cast<double>(i);
    return broadcast(idx, b_batch, batch);
  }();
  Product p;
  p.k = k;
  p.sizes = batch;
  p.sizes.push_back(m);
  p.sizes.push_back(n);
  p.magnitude.assign(static_cast<size_t>(numel(p.sizes)), 0.0);
  auto matrices = [&](size_t t) {
    return std::make_pair(a.data() + static_cast<size_t>(a_index[t]) * static_cast<size_t>(m * k),
                          b.data() + static_cast<size_t>(b_index[t]) * static_cast<size_t>(k * n));
  };
  if (wanted) {  // only these elements: one dot product each
    for (int64_t f : *wanted) {
      const int64_t t = f / std::max<int64_t>(m * n, 1), i = f % (m * n) / n, j = f % n;
      const auto [am, bm] = matrices(static_cast<size_t>(t));
      double s = 0;
      for (int64_t q = 0; q < k; ++q) s += am[i * k + q] * bm[q * n + j];
      p.magnitude[static_cast<size_t>(f)] = s;
    }
    return p;
  }
  for (size_t t = 0; t < a_index.size(); ++t) {
    const auto [am, bm] = matrices(t);
    double* c = p.magnitude.data() + t * static_cast<size_t>(m * n);
    for (int64_t i = 0; i < m; ++i) {
      for (int64_t q = 0; q < k; ++q) {
        const double x = am[i * k + q];
        if (x == 0) continue;
        const double* brow = bm + q * n;
        double* crow = c + i * n;
        for (int64_t j = 0; j < n; ++j) crow[j] += x * brow[j];
      }
    }
  }
  return p;
}

// |input|·|weight|ᵀ for linear: weight is [out, in], read row by row.
std::optional<Product> abs_linear(const std::vector<double>& x, const std::vector<int64_t>& x_sizes,
                                  const std::vector<double>& w, const std::vector<int64_t>& w_sizes,
                                  const std::vector<int64_t>* wanted) {
  if (x_sizes.empty() || w_sizes.size() != 2 || w_sizes[1] != x_sizes.back()) return std::nullopt;
  const int64_t k = w_sizes[1], n = w_sizes[0];
  const int64_t rows = k == 0 ? 0 : static_cast<int64_t>(x.size()) / k;
  Product p;
  p.k = k;
  p.sizes = x_sizes;
  p.sizes.back() = n;
  p.magnitude.assign(static_cast<size_t>(rows * n), 0.0);
  auto dot = [&](int64_t i, int64_t j) {
    const double* xr = x.data() + i * k;
    const double* wr = w.data() + j * k;
    double s = 0;
    for (int64_t q = 0; q < k; ++q) s += xr[q] * wr[q];
    p.magnitude[static_cast<size_t>(i * n + j)] = s;
  };
  if (wanted) {
    for (int64_t f : *wanted) dot(f / n, f % n);
    return p;
  }
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < n; ++j) dot(i, j);
  }
  return p;
}

}  // namespace

std::optional<PerSide> matmul_bound(const BoundInputs& in, size_t output) {
  if (output != 0) return std::nullopt;
  std::string op = in.call().name;
  if (op.ends_with("_")) op.pop_back();  // addmm_: self is the added term, as for addmm
  const bool linear = op == "aten::linear";
  const bool adds = op == "aten::addmm" || op == "aten::baddbmm" || op == "aten::addmv";
  const store::TensorMeta* a =
      linear ? in.tensor({"input"})
             : in.tensor(adds ? std::initializer_list<std::string_view>{"mat1", "batch1", "mat"}
                              : std::initializer_list<std::string_view>{"self", "input"});
  const store::TensorMeta* b =
      linear ? in.tensor({"weight"}) : in.tensor({"mat2", "batch2", "vec", "other", "tensor"});
  const store::TensorMeta* out = in.output(0);
  if (!a || !b || !out || a->sizes.empty() || b->sizes.empty()) return std::nullopt;
  // The added term: bias (linear) or beta·self (add- forms), broadcast.
  const store::TensorMeta* added = linear ? in.tensor({"bias"})
                                   : adds ? in.tensor({"self"})
                                          : nullptr;
  const double beta = std::fabs(in.number("beta").value_or(1.0));
  const bool adding = added && beta != 0;
  PerSide side;
  side.rule = "matrix product";
  side.terms = (linear ? b->sizes.back() : a->sizes.back()) + (adding ? 2 : 0);
  side.unit_roundoff = product_roundoff(a->dtype, in.recorded_on_cuda());
  const double g = gamma(side.terms, side.unit_roundoff);
  side.relative = g;  // |alpha|·Σ|a·b| + |beta·c| >= |result|
  if (in.shapes_only()) return side;
  auto product =
      linear ? abs_linear(in.magnitudes(*a), a->sizes, in.magnitudes(*b), b->sizes, in.wanted())
             : abs_product(in.magnitudes(*a), a->sizes, in.magnitudes(*b), b->sizes, in.wanted());
  if (!product || product->magnitude.size() != static_cast<size_t>(out->numel())) {
    return std::nullopt;
  }
  side.bound = std::move(product->magnitude);
  const double alpha = std::fabs(in.number("alpha").value_or(1.0));
  for (double& v : side.bound) v *= alpha;
  if (adding) {  // counted as 2 terms: the scaling and the addition
    const std::vector<double> c = broadcast(in.magnitudes(*added), added->sizes, out->sizes);
    for (size_t i = 0; i < c.size(); ++i) side.bound[i] += beta * c[i];
  }
  for (double& v : side.bound) v *= g;
  return side;
}

}  // namespace tapml::replay::bounds
