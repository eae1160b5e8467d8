#include "replayer/compare.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "replayer/host_values.h"

namespace tapml::replay {
namespace {

bool same_nonfinite(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return a == b;  // infinities of the same sign
}

void compare_exact(DType dtype, const std::byte* actual, const std::byte* expected,
                   const std::vector<int64_t>& sizes, Comparison& c) {
  const int64_t count = c.elements;
  const size_t size = dtype_size(dtype);
  const bool floating = dtype_is_floating(dtype);
  for (int64_t i = 0; i < count; ++i) {
    const std::byte* pa = actual + i * size;
    const std::byte* pb = expected + i * size;
    const double a = load_scalar(dtype, pa);
    const double b = load_scalar(dtype, pb);
    const double diff = std::fabs(a - b);
    if (std::isfinite(diff) && diff > c.max_abs) c.max_abs = diff;
    if (std::isfinite(diff) && b != 0 && diff / std::fabs(b) > c.max_rel) {
      c.max_rel = diff / std::fabs(b);
    }
    const bool equal =
        floating ? (a == b || (std::isnan(a) && std::isnan(b))) : std::memcmp(pa, pb, size) == 0;
    if (equal) continue;
    if (c.mismatches++ == 0) {
      c.worst_index = i;
      c.worst_actual = a;
      c.worst_expected = b;
    }
  }
  if (c.mismatches > 0) {
    c.passed = false;
    c.failure = std::to_string(c.mismatches) + " of " + std::to_string(count) +
                " elements differ (exact match required); first at " +
                format_index(c.worst_index, sizes) + ": got " + format_number(c.worst_actual) +
                ", expected " + format_number(c.worst_expected);
  }
}

// The smallest normal value of the type a target computes `dtype` in: half
// precision's own, else float32's (float64 is computed in f32 where
// subnormals may be flushed: WebGPU).
double smallest_normal_computed(DType dtype) {
  return dtype == DType::Float16 ? 0x1p-14 : 0x1p-126;
}

double flushed(double value, double smallest_normal) {
  return std::fabs(value) < smallest_normal ? std::copysign(0.0, value) : value;
}

void compare_close(DType dtype, const std::byte* actual, const std::byte* expected,
                   const std::vector<int64_t>& sizes, const Tolerance& tol, const ForwardBound* fb,
                   std::vector<int64_t>* over, Comparison& c) {
  const int64_t count = c.elements;
  const size_t size = dtype_size(dtype);
  const int scalars = scalars_per_element(dtype);
  double err2 = 0, ref2 = 0, worst_ratio = -1;
  const double smallest_normal = smallest_normal_computed(dtype);
  int64_t finite = 0;
  for (int64_t i = 0; i < count; ++i) {
    for (int k = 0; k < scalars; ++k) {
      double a = load_scalar(dtype, actual + i * size, k);
      double b = load_scalar(dtype, expected + i * size, k);
      if (tol.flush_subnormals) {
        a = flushed(a, smallest_normal);
        b = flushed(b, smallest_normal);
      }
      if (!std::isfinite(a) || !std::isfinite(b)) {
        if (same_nonfinite(a, b)) continue;
        if (c.nonfinite_mismatches++ == 0) {
          c.worst_index = i, c.worst_actual = a, c.worst_expected = b;
        }
        continue;
      }
      ++finite;
      const double diff = std::fabs(a - b);
      err2 += diff * diff;
      ref2 += b * b;
      if (diff > c.max_abs) c.max_abs = diff;
      if (b != 0 && diff / std::fabs(b) > c.max_rel) c.max_rel = diff / std::fabs(b);
      const double bound =
          fb ? fb->threshold(static_cast<size_t>(i), b) : tol.atol + tol.rtol * std::fabs(b);
      if (diff > bound) {
        ++c.mismatches;
        if (over) over->push_back(i);
      }
      const double ratio = bound > 0 ? diff / bound : diff;
      if (c.nonfinite_mismatches == 0 && ratio > worst_ratio) {
        worst_ratio = ratio;
        c.worst_index = i, c.worst_actual = a, c.worst_expected = b;
        c.worst_threshold = bound;
      }
    }
  }
  c.nmse = ref2 > 0 ? err2 / ref2 : (finite > 0 ? err2 / static_cast<double>(finite) : 0);
  const std::string at = " at " + format_index(c.worst_index, sizes) + " (got " +
                         format_number(c.worst_actual) + ", expected " +
                         format_number(c.worst_expected) + ")";
  if (c.nonfinite_mismatches > 0) {
    c.passed = false;
    c.failure = std::to_string(c.nonfinite_mismatches) + " NaN/Inf mismatches, first" + at;
    return;
  }
  if (fb) {
    c.bound = fb->summary;
    c.worst_ratio = std::max(worst_ratio, 0.0);
    if (c.mismatches > 0) {
      c.passed = false;
      c.failure = std::to_string(c.mismatches) + " of " + std::to_string(count) +
                  " elements over the forward error bound (" + describe_bound(fb->summary) +
                  "); worst" + at + ", bound " + format_number(c.worst_threshold) + "; NMSE " +
                  format_number(c.nmse);
    }
    return;
  }
  if (c.nmse > tol.nmse || c.mismatches > 0) {
    c.passed = false;
    c.failure = "NMSE " + format_number(c.nmse) + (c.nmse > tol.nmse ? " > " : " <= ") +
                format_number(tol.nmse) + ", max abs " + format_number(c.max_abs) + "; " +
                std::to_string(c.mismatches) + " of " + std::to_string(count * scalars) +
                " elements over atol " + format_number(tol.atol) + " + rtol " +
                format_number(tol.rtol) + "*|b|; worst" + at;
  }
}

}  // namespace

Comparison compare(DType dtype, const std::byte* actual, const std::byte* expected,
                   const std::vector<int64_t>& sizes, const Tolerance& tolerance,
                   const ForwardBound* bound, std::vector<int64_t>* over) {
  Comparison c;
  c.elements = 1;
  for (int64_t s : sizes) c.elements *= s;
  if (c.elements <= 0) return c;
  if (tolerance.exact) {
    compare_exact(dtype, actual, expected, sizes, c);
  } else {
    const bool judged_by_bound =
        bound && dtype_is_floating(dtype) &&
        (bound->quick() || bound->per_side.size() == static_cast<size_t>(c.elements));
    compare_close(dtype, actual, expected, sizes, tolerance, judged_by_bound ? bound : nullptr,
                  over, c);
  }
  return c;
}

Comparison compare_output(const store::Call& call, size_t output, DType dtype,
                          const std::byte* actual, const std::byte* expected,
                          const std::vector<int64_t>& sizes, const Tolerance& tolerance,
                          const TensorValues& values) {
  if (tolerance.exact || tolerance.method != Method::ForwardBound ||
      !has_forward_bound(call.full_name())) {
    return compare(dtype, actual, expected, sizes, tolerance);
  }
  std::vector<int64_t> over;
  bool quick_tried = false;
  if (const auto quick = quick_forward_bound(call, output, tolerance.safety)) {
    Comparison c = compare(dtype, actual, expected, sizes, tolerance, &*quick, &over);
    if (c.passed || c.nonfinite_mismatches > 0) {
      c.bound_from_shapes = c.bound.has_value();
      return c;
    }
    quick_tried = c.bound.has_value();
  }
  // Only the elements over the quick bound need their own terms.
  const auto full =
      forward_bound(call, output, values, tolerance.safety, quick_tried ? &over : nullptr);
  return compare(dtype, actual, expected, sizes, tolerance, full ? &*full : nullptr);
}

std::vector<int64_t> unravel_index(int64_t flat, const std::vector<int64_t>& sizes) {
  std::vector<int64_t> index(sizes.size(), 0);
  for (size_t d = sizes.size(); d-- > 0;) {
    if (sizes[d] > 0) {
      index[d] = flat % sizes[d];
      flat /= sizes[d];
    }
  }
  return index;
}

std::string format_index(int64_t flat, const std::vector<int64_t>& sizes) {
  const std::vector<int64_t> index = unravel_index(flat, sizes);
  std::string out = "[";
  for (size_t d = 0; d < index.size(); ++d) out += (d ? ", " : "") + std::to_string(index[d]);
  return out + "]";
}

std::string describe_bound(const BoundSummary& b) {
  std::string text = b.rule + ": " + format_number(b.safety) + " x (gamma(" +
                     std::to_string(b.terms) + ") x sum|terms|";
  if (b.output_roundoff > 0) text += " + u_out x |expected|";
  return text + "), u " + format_number(b.unit_roundoff);
}

std::string format_number(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", value);
  return buf;
}

}  // namespace tapml::replay
