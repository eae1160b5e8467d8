// Comparing a kernel's output with the recorded one. Shared by the replayer
// and the generated test suites (gen/), so both judge a kernel alike.
//
// For floating outputs: NMSE = sum((a-b)^2) / sum(b^2) over the finite
// reference elements (the convention of llama.cpp's test-backend-ops; the mean
// squared error when the reference is all zeros), the largest absolute and
// relative errors, and an elementwise bound |a-b| <= atol + rtol*|b|. NaN and
// Inf must match in place and sign: a NaN where the reference has a number is
// a failure, and the reverse too. Integer, bool and index outputs must match
// exactly. Ops whose result is a sum are judged instead by each element's
// forward error bound (bounds/forward_bound.h) when the caller gives one:
// NMSE is then reported, not judged.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "replayer/bounds/forward_bound.h"
#include "replayer/tolerance.h"
#include "store/dtype.h"

namespace tapml::replay {

struct Comparison {
  bool passed = true;
  std::string failure;  // one line with the numbers; empty when passed
  int64_t elements = 0;
  double nmse = 0;
  double max_abs = 0;
  double max_rel = 0;  // over elements whose reference is non-zero
  // The element that fails worst (the first NaN/Inf or exact mismatch, else
  // the largest error relative to its bound), as a flat row-major index.
  int64_t worst_index = -1;
  double worst_actual = 0;
  double worst_expected = 0;
  int64_t mismatches = 0;            // elements outside their bound or not exactly equal
  int64_t nonfinite_mismatches = 0;  // NaN/Inf parity violations
  // Set when the forward bound judged the output: what it was made of, its
  // threshold at the worst element, and the largest |a-b| / threshold.
  std::optional<BoundSummary> bound;
  bool bound_from_shapes = false;  // the quick bound sufficed (no input was read)
  double worst_threshold = 0;
  double worst_ratio = 0;
};

// `actual` and `expected` hold the contiguous elements of a `dtype` tensor of
// `sizes`; messages name the worst element by its index into `sizes`.
// With `bound`, floating elements are judged by bound->threshold instead of
// NMSE and atol/rtol.
// `over`, when given, receives the flat index of every element over its
// bound.
Comparison compare(DType dtype, const std::byte* actual, const std::byte* expected,
                   const std::vector<int64_t>& sizes, const Tolerance& tolerance,
                   const ForwardBound* bound = nullptr, std::vector<int64_t>* over = nullptr);

// Judges output `output` of `call` as the tolerance says: where it names the
// forward bound and the op has one, first by the quick bound from shapes
// (quick_forward_bound), and only when an element is over it by the full
// bound from the call's inputs (`values`); otherwise as compare() does.
// Shared by the replayer, the generated suites and tapml-trace diff.
Comparison compare_output(const store::Call& call, size_t output, DType dtype,
                          const std::byte* actual, const std::byte* expected,
                          const std::vector<int64_t>& sizes, const Tolerance& tolerance,
                          const TensorValues& values);

// The multi-dimensional index of a flat row-major index into `sizes`.
std::vector<int64_t> unravel_index(int64_t flat, const std::vector<int64_t>& sizes);
// "[2, 0, 17]" for a flat row-major index into `sizes`.
std::string format_index(int64_t flat, const std::vector<int64_t>& sizes);
// "matrix product: 4 x (gamma(576) x sum|terms|), u 5.96046e-08".
std::string describe_bound(const BoundSummary& bound);
// Short number for messages: "0.125", "3.2e-07", "nan", "-inf".
std::string format_number(double value);

}  // namespace tapml::replay
