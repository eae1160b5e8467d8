// Convolutions, direct and transposed, 1-3 spatial dimensions, any stride,
// padding, dilation and groups, every aten spelling of them (convolution,
// conv2d, cudnn_convolution, mkldnn_convolution, _conv_depthwise2d...):
// an output element sums C_in/groups · kernel-volume products, so its
// magnitude is the same convolution of |input| with |weight|, plus |bias|.
#include <array>
#include <cmath>

#include "replayer/bounds/bound_inputs.h"

namespace tapml::replay::bounds {
namespace {

constexpr size_t kMaxSpatial = 3;
using Dims = std::array<int64_t, kMaxSpatial>;

struct ConvShape {
  int64_t batch = 1, in_channels = 0, out_channels = 0, groups = 1;
  Dims in{1, 1, 1}, out{1, 1, 1}, kernel{1, 1, 1};
  Dims stride{1, 1, 1}, padding{0, 0, 0}, dilation{1, 1, 1};
  bool transposed = false;
};

// A per-dimension argument: one value for every dimension, or one each.
bool spatial(const std::optional<std::vector<int64_t>>& values, size_t dims, Dims& into) {
  if (!values || values->empty()) return true;
  if (values->size() != 1 && values->size() != dims) return false;
  for (size_t d = 0; d < dims; ++d) into[d] = (*values)[values->size() == 1 ? 0 : d];
  return true;
}

std::optional<ConvShape> conv_shape(const BoundInputs& in, const store::TensorMeta& x,
                                    const store::TensorMeta& w, const store::TensorMeta& out) {
  const size_t dims = w.sizes.size() - 2;
  if (w.sizes.size() < 3 || dims > kMaxSpatial) return std::nullopt;
  const bool batched = x.sizes.size() == w.sizes.size();
  if (!batched && x.sizes.size() + 1 != w.sizes.size()) return std::nullopt;
  const size_t lead = batched ? 1 : 0;
  ConvShape s;
  const std::string& op = in.call().name;
  s.transposed = in.flag("transposed").value_or(op.starts_with("aten::conv_transpose"));
  s.batch = batched ? x.sizes[0] : 1;
  s.in_channels = x.sizes[lead];
  s.out_channels = out.sizes[lead];
  for (size_t d = 0; d < dims; ++d) {
    s.in[d] = x.sizes[lead + 1 + d];
    s.out[d] = out.sizes[lead + 1 + d];
    s.kernel[d] = w.sizes[2 + d];
  }
  if (!spatial(in.integers("stride"), dims, s.stride) ||
      !spatial(in.integers("dilation"), dims, s.dilation)) {
    return std::nullopt;
  }
  if (auto mode = in.text("padding")) {  // conv2d.padding: "same" or "valid"
    for (size_t d = 0; d < dims && *mode == "same"; ++d) {
      s.padding[d] = s.dilation[d] * (s.kernel[d] - 1) / 2;
    }
  } else if (!spatial(in.integers("padding"), dims, s.padding)) {
    return std::nullopt;
  }
  // Without a groups argument (the depthwise and slow kernels), the weight
  // says: [C_out, C_in / groups, kernel...].
  s.groups = in.integer("groups").value_or(
      s.transposed || w.sizes[1] == 0 ? 1 : s.in_channels / w.sizes[1]);
  if (s.groups <= 0 || s.in_channels % s.groups != 0 || s.out_channels % s.groups != 0) {
    return std::nullopt;
  }
  const int64_t weight_channels =
      s.transposed ? s.out_channels / s.groups : s.in_channels / s.groups;
  if (w.sizes[1] != weight_channels) return std::nullopt;
  return s;
}

// Σ |x|·|w| into each output element, as the convolution pairs them.
std::vector<double> abs_convolution(const ConvShape& s, const std::vector<double>& x,
                                    const std::vector<double>& w) {
  const int64_t in_plane = s.in[0] * s.in[1] * s.in[2];
  const int64_t out_plane = s.out[0] * s.out[1] * s.out[2];
  const int64_t kernel_volume = s.kernel[0] * s.kernel[1] * s.kernel[2];
  const int64_t in_per_group = s.in_channels / s.groups;
  const int64_t out_per_group = s.out_channels / s.groups;
  std::vector<double> out(static_cast<size_t>(s.batch * s.out_channels * out_plane), 0.0);
  // Each (input position, kernel tap) pair meets one output position.
  for (int64_t b = 0; b < s.batch; ++b) {
    for (int64_t ic = 0; ic < s.in_channels; ++ic) {
      const int64_t g = ic / in_per_group;
      for (int64_t ocg = 0; ocg < out_per_group; ++ocg) {
        const int64_t oc = g * out_per_group + ocg;
        const double* wk = s.transposed
                               ? w.data() + (ic * out_per_group + ocg) * kernel_volume
                               : w.data() + (oc * in_per_group + ic % in_per_group) * kernel_volume;
        const double* xp = x.data() + (b * s.in_channels + ic) * in_plane;
        double* op = out.data() + (b * s.out_channels + oc) * out_plane;
        for (int64_t k0 = 0; k0 < s.kernel[0]; ++k0) {
          for (int64_t k1 = 0; k1 < s.kernel[1]; ++k1) {
            for (int64_t k2 = 0; k2 < s.kernel[2]; ++k2) {
              const double wv = wk[(k0 * s.kernel[1] + k1) * s.kernel[2] + k2];
              if (wv == 0) continue;
              const Dims k{k0, k1, k2};
              // Direct: output o reads input o·stride - pad + k·dilation.
              // Transposed: input i reaches output i·stride - pad + k·dilation.
              // Either way an "outer" position p meets the "inner" one q.
              const Dims& outer = s.transposed ? s.in : s.out;
              const Dims& inner = s.transposed ? s.out : s.in;
              for (int64_t p0 = 0; p0 < outer[0]; ++p0) {
                const int64_t q0 = p0 * s.stride[0] - s.padding[0] + k[0] * s.dilation[0];
                if (q0 < 0 || q0 >= inner[0]) continue;
                for (int64_t p1 = 0; p1 < outer[1]; ++p1) {
                  const int64_t q1 = p1 * s.stride[1] - s.padding[1] + k[1] * s.dilation[1];
                  if (q1 < 0 || q1 >= inner[1]) continue;
                  for (int64_t p2 = 0; p2 < outer[2]; ++p2) {
                    const int64_t q2 = p2 * s.stride[2] - s.padding[2] + k[2] * s.dilation[2];
                    if (q2 < 0 || q2 >= inner[2]) continue;
                    const int64_t at_outer = (p0 * outer[1] + p1) * outer[2] + p2;
                    const int64_t at_inner = (q0 * inner[1] + q1) * inner[2] + q2;
                    if (s.transposed) {
                      op[at_inner] += wv * xp[at_outer];
                    } else {
                      op[at_outer] += wv * xp[at_inner];
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  }
  return out;
}

}  // namespace

std::optional<PerSide> convolution_bound(const BoundInputs& in, size_t output) {
  const store::TensorMeta* x = in.tensor({"input", "self"});
  const store::TensorMeta* w = in.tensor({"weight"});
  const store::TensorMeta* out = in.output(0);
  if (output != 0 || !x || !w || !out || out->sizes.size() != x->sizes.size()) {
    return std::nullopt;
  }
  const auto shape = conv_shape(in, *x, *w, *out);
  if (!shape) return std::nullopt;
  const store::TensorMeta* bias = in.tensor({"bias"});
  PerSide side;
  side.rule = "convolution";
  side.terms =
      shape->in_channels / shape->groups * shape->kernel[0] * shape->kernel[1] * shape->kernel[2] +
      (bias ? 1 : 0);
  // cuDNN convolves float32 in TF32 by default (torch.backends.cudnn.allow_tf32).
  const bool cuda = in.recorded_on_cuda();
  side.unit_roundoff =
      cuda && x->dtype == DType::Float32 ? std::ldexp(1.0, -11) : product_roundoff(x->dtype, cuda);
  const double g = gamma(side.terms, side.unit_roundoff);
  side.relative = g;  // Σ|x·w| + |bias| >= |result|
  if (in.shapes_only()) return side;
  side.bound = abs_convolution(*shape, in.magnitudes(*x), in.magnitudes(*w));
  if (bias) {
    const std::vector<double> b = in.magnitudes(*bias);
    const int64_t plane = static_cast<int64_t>(side.bound.size()) /
                          std::max<int64_t>(shape->batch * shape->out_channels, 1);
    for (size_t i = 0; i < side.bound.size(); ++i) {
      const auto channel =
          static_cast<size_t>((static_cast<int64_t>(i) / plane) % shape->out_channels);
      if (channel < b.size()) side.bound[i] += b[channel];
    }
  }
  for (double& v : side.bound) v *= g;
  return side;
}

}  // namespace tapml::replay::bounds
