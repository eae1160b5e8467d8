// Row-wise primitives over [R, C] views: softmax, layer norm, row gather.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "backends/cpu/cpu_primitives.h"
#include "backends/cpu/elements.h"
#include "backends/cpu/host_tensor.h"

namespace tapml::backends::cpu {
namespace {

int64_t at2(const Tensor& t, int64_t r, int64_t c) {
  return t.offset + r * t.strides[0] + c * t.strides[1];
}

void require_rank(const char* what, const Tensor& t, int64_t rank) {
  if (t.rank() != rank) {
    throw BackendError(std::string("cpu: ") + what + " wants rank " + std::to_string(rank) +
                       ", got " + std::to_string(t.rank()));
  }
}

}  // namespace

void CpuPrimitives::softmax(const Tensor& in, const Tensor& out, bool log) {
  require_rank("softmax in", in, 2);
  if (in.sizes != out.sizes) throw BackendError("cpu: softmax sizes");
  const std::byte* in_data = host_data(in);
  std::byte* out_data = host_data(out);
  const int64_t rows = in.sizes[0];
  const int64_t cols = in.sizes[1];
  std::vector<double> row(static_cast<size_t>(cols));
  for (int64_t r = 0; r < rows; ++r) {
    double max = -std::numeric_limits<double>::infinity();
    for (int64_t c = 0; c < cols; ++c) {
      row[c] = load<double>(in.dtype, in_data, at2(in, r, c));
      max = std::max(max, row[c]);
    }
    double sum = 0;
    for (int64_t c = 0; c < cols; ++c) sum += std::exp(row[c] - max);
    for (int64_t c = 0; c < cols; ++c) {
      const double value = log ? row[c] - max - std::log(sum) : std::exp(row[c] - max) / sum;
      store<double>(out.dtype, out_data, at2(out, r, c), value);
    }
  }
}

void CpuPrimitives::layer_norm(const Tensor& in, const std::optional<Tensor>& weight,
                               const std::optional<Tensor>& bias, double eps, const Tensor& out,
                               const std::optional<Tensor>& mean, const std::optional<Tensor>& rstd) {
  require_rank("layer_norm in", in, 2);
  if (in.sizes != out.sizes) throw BackendError("cpu: layer_norm sizes");
  const std::byte* in_data = host_data(in);
  std::byte* out_data = host_data(out);
  const int64_t rows = in.sizes[0];
  const int64_t cols = in.sizes[1];
  const std::byte* weight_data = weight ? host_data(*weight) : nullptr;
  const std::byte* bias_data = bias ? host_data(*bias) : nullptr;
  // Planted bug: eps added after the square root instead of under it.
  const bool eps_outside = planted_bug("layer-norm-wrong-eps");
  std::vector<double> row(static_cast<size_t>(cols));
  for (int64_t r = 0; r < rows; ++r) {
    double sum = 0;
    for (int64_t c = 0; c < cols; ++c) {
      row[c] = load<double>(in.dtype, in_data, at2(in, r, c));
      sum += row[c];
    }
    const double row_mean = sum / static_cast<double>(cols);
    double squares = 0;
    for (int64_t c = 0; c < cols; ++c) squares += (row[c] - row_mean) * (row[c] - row_mean);
    const double variance = squares / static_cast<double>(cols);
    const double row_rstd =
        eps_outside ? 1 / (std::sqrt(variance) + eps) : 1 / std::sqrt(variance + eps);
    for (int64_t c = 0; c < cols; ++c) {
      double value = (row[c] - row_mean) * row_rstd;
      if (weight_data) {
        value *= load<double>(weight->dtype, weight_data, weight->offset + c * weight->strides[0]);
      }
      if (bias_data) {
        value += load<double>(bias->dtype, bias_data, bias->offset + c * bias->strides[0]);
      }
      store<double>(out.dtype, out_data, at2(out, r, c), value);
    }
    if (mean) store<double>(mean->dtype, host_data(*mean), mean->offset + r * mean->strides[0], row_mean);
    if (rstd) store<double>(rstd->dtype, host_data(*rstd), rstd->offset + r * rstd->strides[0], row_rstd);
  }
}

void CpuPrimitives::gather_rows(const Tensor& in, const Tensor& index, const Tensor& out) {
  require_rank("gather_rows in", in, 2);
  require_rank("gather_rows index", index, 1);
  require_rank("gather_rows out", out, 2);
  if (out.sizes[0] != index.sizes[0] || out.sizes[1] != in.sizes[1]) {
    throw BackendError("cpu: gather_rows sizes");
  }
  const std::byte* in_data = host_data(in);
  const std::byte* index_data = host_data(index);
  std::byte* out_data = host_data(out);
  const int64_t rows = in.sizes[0];
  // Integers are copied exactly; a row with no source is NaN (0 for integers).
  with_compute_type(compute_type({&in, &out}), [&](auto zero) {
    using T = decltype(zero);
    const T missing = std::numeric_limits<T>::has_quiet_NaN ? std::numeric_limits<T>::quiet_NaN() : T(0);
    for (int64_t r = 0; r < out.sizes[0]; ++r) {
      int64_t source = load<int64_t>(index.dtype, index_data, index.offset + r * index.strides[0]);
      if (source < 0) source += rows;
      const bool valid = source >= 0 && source < rows;
      for (int64_t c = 0; c < out.sizes[1]; ++c) {
        const T value = valid ? load<T>(in.dtype, in_data, at2(in, source, c)) : missing;
        store<T>(out.dtype, out_data, at2(out, r, c), value);
      }
    }
  });
}

}  // namespace tapml::backends::cpu
