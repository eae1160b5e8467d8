#include "replayer/bounds/forward_bound.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <list>
#include <map>
#include <memory>
#include <unordered_map>

#include "replayer/bounds/bound_inputs.h"
#include "replayer/host_values.h"

namespace tapml::replay {
namespace {

using Family = std::optional<bounds::PerSide> (*)(const bounds::BoundInputs&, size_t);

// Ops by name (any overload): the overloads of one op name their arguments
// alike, and each family's bound reads them by name.
const std::map<std::string, Family>& families() {
  static const std::map<std::string, Family> table = {
      {"aten::sum", bounds::sum_bound},
      {"aten::nansum", bounds::sum_bound},
      {"aten::mean", bounds::mean_bound},
      {"aten::cumsum", bounds::cumsum_bound},
      {"aten::cumsum_", bounds::cumsum_bound},
      {"aten::mm", bounds::matmul_bound},
      {"aten::addmm", bounds::matmul_bound},
      {"aten::addmm_", bounds::matmul_bound},
      {"aten::bmm", bounds::matmul_bound},
      {"aten::baddbmm", bounds::matmul_bound},
      {"aten::baddbmm_", bounds::matmul_bound},
      {"aten::matmul", bounds::matmul_bound},
      {"aten::linear", bounds::matmul_bound},
      {"aten::mv", bounds::matmul_bound},
      {"aten::addmv", bounds::matmul_bound},
      {"aten::addmv_", bounds::matmul_bound},
      {"aten::dot", bounds::matmul_bound},
      {"aten::vdot", bounds::matmul_bound},
      {"aten::convolution", bounds::convolution_bound},
      {"aten::_convolution", bounds::convolution_bound},
      {"aten::conv1d", bounds::convolution_bound},
      {"aten::conv2d", bounds::convolution_bound},
      {"aten::conv3d", bounds::convolution_bound},
      {"aten::conv_transpose1d", bounds::convolution_bound},
      {"aten::conv_transpose2d", bounds::convolution_bound},
      {"aten::conv_transpose3d", bounds::convolution_bound},
      {"aten::cudnn_convolution", bounds::convolution_bound},
      {"aten::mkldnn_convolution", bounds::convolution_bound},
      {"aten::_slow_conv2d_forward", bounds::convolution_bound},
      {"aten::_conv_depthwise2d", bounds::convolution_bound},
      {"aten::scaled_dot_product_attention", bounds::attention_bound},
      {"aten::_scaled_dot_product_attention_math", bounds::attention_bound},
      {"aten::_scaled_dot_product_flash_attention", bounds::attention_bound},
      {"aten::_scaled_dot_product_flash_attention_for_cpu", bounds::attention_bound},
      {"aten::_scaled_dot_product_efficient_attention", bounds::attention_bound},
      {"aten::_scaled_dot_product_cudnn_attention", bounds::attention_bound},
      {"aten::layer_norm", bounds::layer_norm_bound},
      {"aten::native_layer_norm", bounds::layer_norm_bound},
      {"aten::rms_norm", bounds::rms_norm_bound},
      {"aten::_fused_rms_norm", bounds::rms_norm_bound},
  };
  return table;
}

Family family_of(const std::string& full_op) {
  const auto it = families().find(full_op.substr(0, full_op.find('.')));
  return it == families().end() ? nullptr : it->second;
}

}  // namespace

double ForwardBound::threshold(size_t i, double expected) const {
  const double own = std::max(quick() ? 0.0 : per_side[i], relative * std::fabs(expected));
  return summary.safety * (own + summary.output_roundoff * std::fabs(expected)) + floor;
}

TensorValues values_from(const store::TraceReader& trace, size_t budget_bytes) {
  struct Cache {
    std::list<std::string> order;  // most recent first
    std::unordered_map<std::string,
                       std::pair<std::vector<double>, std::list<std::string>::iterator>>
        entries;
    size_t bytes = 0;
  };
  auto cache = std::make_shared<Cache>();
  return [&trace, cache, budget_bytes](const store::TensorMeta& tensor) {
    if (auto it = cache->entries.find(tensor.hash); it != cache->entries.end()) {
      cache->order.splice(cache->order.begin(), cache->order, it->second.second);
      return it->second.first;
    }
    std::vector<double> values = to_doubles(tensor.dtype, trace.read_tensor(tensor.hash));
    const size_t bytes = values.size() * sizeof(double);
    if (bytes > budget_bytes / 4) return values;  // too large to keep
    while (cache->bytes + bytes > budget_bytes && !cache->order.empty()) {
      auto last = cache->entries.find(cache->order.back());
      cache->bytes -= last->second.first.size() * sizeof(double);
      cache->entries.erase(last);
      cache->order.pop_back();
    }
    cache->order.push_front(tensor.hash);
    cache->entries.emplace(tensor.hash, std::make_pair(values, cache->order.begin()));
    cache->bytes += bytes;
    return values;
  };
}

bool has_forward_bound(const std::string& full_op) { return family_of(full_op) != nullptr; }

std::vector<std::string> forward_bound_op_names() {
  std::vector<std::string> names;
  for (const auto& entry : families()) names.push_back(entry.first);
  return names;
}

namespace {

std::optional<ForwardBound> bound_of(const store::Call& call, size_t output,
                                     const TensorValues* values, double safety,
                                     const std::vector<int64_t>* wanted) {
  const Family family = family_of(call.full_name());
  if (!family) return std::nullopt;
  const bounds::BoundInputs in(call, values, wanted);
  const store::TensorMeta* out = in.output(output);
  if (!out || !dtype_is_floating(out->dtype)) return std::nullopt;
  std::optional<bounds::PerSide> side = family(in, output);
  if (!side) return std::nullopt;
  if (values && side->bound.size() != static_cast<size_t>(out->numel())) return std::nullopt;
  ForwardBound bound;
  bound.summary.rule = side->rule;
  bound.summary.terms = side->terms;
  bound.summary.unit_roundoff = side->unit_roundoff;
  bound.summary.output_roundoff = out->dtype == DType::Float16 || out->dtype == DType::BFloat16
                                      ? bounds::unit_roundoff(out->dtype)
                                      : 0;
  bound.summary.safety = safety;
  bound.per_side = std::move(side->bound);
  bound.relative = side->relative;
  // A device without subnormals flushes each tiny term (and a tiny result)
  // to zero: at most the smallest normal number per term.
  const double smallest = out->dtype == DType::Float64   ? std::numeric_limits<double>::min()
                          : out->dtype == DType::Float16 ? std::ldexp(1.0, -14)
                                                         : std::numeric_limits<float>::min();
  bound.floor = safety * smallest * static_cast<double>(std::max<int64_t>(side->terms, 1) + 1);
  return bound;
}

}  // namespace

std::optional<ForwardBound> forward_bound(const store::Call& call, size_t output,
                                          const TensorValues& values, double safety,
                                          const std::vector<int64_t>* wanted) {
  return bound_of(call, output, &values, safety, wanted);
}

std::optional<ForwardBound> quick_forward_bound(const store::Call& call, size_t output,
                                                double safety) {
  auto bound = bound_of(call, output, nullptr, safety, nullptr);
  if (bound && bound->relative <= 0) return std::nullopt;
  return bound;
}

}  // namespace tapml::replay
