#include "replayer/bounds/bound_inputs.h"

#include <cmath>
#include <limits>

namespace tapml::replay::bounds {

const store::Arg* BoundInputs::input(std::string_view name) const {
  for (const store::Arg& arg : call_.inputs) {
    if (arg.name == name) return &arg;
  }
  return nullptr;
}

const store::TensorMeta* BoundInputs::tensor(std::initializer_list<std::string_view> names) const {
  for (std::string_view name : names) {
    const store::Arg* arg = input(name);
    if (arg && arg->value.kind == store::ValueKind::Tensor && arg->value.tensor.captured()) {
      return &arg->value.tensor;
    }
  }
  return nullptr;
}

std::vector<double> BoundInputs::magnitudes(const store::TensorMeta& tensor) const {
  std::vector<double> out = (*values_)(tensor);
  for (double& v : out) v = std::fabs(v);
  return out;
}

std::optional<int64_t> BoundInputs::integer(std::string_view name) const {
  const store::Arg* arg = input(name);
  if (!arg) return std::nullopt;
  if (arg->value.kind == store::ValueKind::Int) return arg->value.i;
  if (arg->value.kind == store::ValueKind::IntList && arg->value.ints.size() == 1) {
    return arg->value.ints[0];
  }
  return std::nullopt;
}

std::optional<double> BoundInputs::number(std::string_view name) const {
  const store::Arg* arg = input(name);
  if (!arg) return std::nullopt;
  switch (arg->value.kind) {
    case store::ValueKind::Int:
      return static_cast<double>(arg->value.i);
    case store::ValueKind::Float:
      return arg->value.f;
    case store::ValueKind::Bool:
      return arg->value.b ? 1.0 : 0.0;
    default:
      return std::nullopt;
  }
}

std::optional<bool> BoundInputs::flag(std::string_view name) const {
  const store::Arg* arg = input(name);
  if (!arg) return std::nullopt;
  if (arg->value.kind == store::ValueKind::Bool) return arg->value.b;
  if (arg->value.kind == store::ValueKind::Int) return arg->value.i != 0;
  return std::nullopt;
}

std::optional<std::vector<int64_t>> BoundInputs::integers(std::string_view name) const {
  const store::Arg* arg = input(name);
  if (!arg) return std::nullopt;
  if (arg->value.kind == store::ValueKind::IntList) return arg->value.ints;
  if (arg->value.kind == store::ValueKind::Int) return std::vector<int64_t>{arg->value.i};
  return std::nullopt;
}

std::optional<std::string> BoundInputs::text(std::string_view name) const {
  const store::Arg* arg = input(name);
  if (!arg || arg->value.kind != store::ValueKind::String) return std::nullopt;
  return arg->value.text;
}

const store::TensorMeta* BoundInputs::output(size_t index) const {
  if (index >= call_.outputs.size()) return nullptr;
  const store::Value& v = call_.outputs[index].value;
  return v.kind == store::ValueKind::Tensor ? &v.tensor : nullptr;
}

bool BoundInputs::recorded_on_cuda() const {
  for (const store::Arg& arg : call_.inputs) {
    if (arg.value.kind == store::ValueKind::Tensor && arg.value.tensor.device.starts_with("cuda")) {
      return true;
    }
  }
  return false;
}

double gamma(int64_t n, double u) {
  const double nu = static_cast<double>(std::max<int64_t>(n, 1)) * u;
  return nu < 0.5 ? nu / (1 - nu) : std::numeric_limits<double>::infinity();
}

double unit_roundoff(DType dtype) {
  switch (dtype) {
    case DType::Float64:
      return std::ldexp(1.0, -53);
    case DType::Float16:
      return std::ldexp(1.0, -11);
    case DType::BFloat16:
      return std::ldexp(1.0, -8);
    default:
      return std::ldexp(1.0, -24);
  }
}

double reduction_roundoff(DType input) {
  return input == DType::Float64 ? unit_roundoff(DType::Float64) : unit_roundoff(DType::Float32);
}

double product_roundoff(DType input, bool on_cuda) {
  if (on_cuda && (input == DType::Float16 || input == DType::BFloat16)) return unit_roundoff(input);
  return reduction_roundoff(input);
}

int64_t numel(const std::vector<int64_t>& sizes) {
  int64_t n = 1;
  for (int64_t s : sizes) n *= s;
  return n;
}

std::vector<int64_t> broadcast_strides(const std::vector<int64_t>& in_sizes,
                                       const std::vector<int64_t>& out_sizes) {
  std::vector<int64_t> strides(out_sizes.size(), 0);
  int64_t stride = 1;
  for (size_t k = 0; k < in_sizes.size() && k < out_sizes.size(); ++k) {
    const size_t in_dim = in_sizes.size() - 1 - k;
    const size_t out_dim = out_sizes.size() - 1 - k;
    strides[out_dim] = in_sizes[in_dim] == 1 ? 0 : stride;
    stride *= in_sizes[in_dim];
  }
  return strides;
}

std::vector<double> broadcast(const std::vector<double>& values,
                              const std::vector<int64_t>& in_sizes,
                              const std::vector<int64_t>& out_sizes) {
  const std::vector<int64_t> strides = broadcast_strides(in_sizes, out_sizes);
  std::vector<double> out(static_cast<size_t>(numel(out_sizes)));
  std::vector<int64_t> index(out_sizes.size(), 0);
  int64_t source = 0;
  for (double& v : out) {
    v = values[static_cast<size_t>(source)];
    for (size_t d = out_sizes.size(); d-- > 0;) {  // odometer over the output
      source += strides[d];
      if (++index[d] < out_sizes[d]) break;
      source -= strides[d] * out_sizes[d];
      index[d] = 0;
    }
  }
  return out;
}

}  // namespace tapml::replay::bounds
