// Forward error bounds for ops whose result is a sum. NMSE says nothing
// about a result that cancels: a full sum of O(1) terms that ends near zero
// is correct to float32 rounding at -1.85e-06 against a recorded -2.15e-06,
// yet fails any relative measure. Such results are judged instead by the
// classical bound on a floating-point sum, |ŝ - s| <= γ(n)·Σ|xᵢ| with
// γ(n) = n·u / (1 - n·u), u the unit roundoff of the dtype torch's reference
// accumulates in, per output element over that element's own terms: a
// bound that scales with the inputs, not with the result. Both the recorded
// reference and the kernel may err by that much, so the threshold is the
// bound times a safety factor (4 by default: 2 for the two sides, 2 to
// spare), plus one rounding of a float16/bfloat16 output.
//
// Which ops are judged this way, and how each one's terms are found, is the
// table in docs/replayer.md; the tolerance policy (tolerance.h) decides per
// op whether the bound or NMSE applies, and a tolerance file can switch it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "store/reader.h"
#include "store/trace.h"

namespace tapml::replay {

// What the bound of one output is made of, for reports.
struct BoundSummary {
  std::string rule;            // "sum", "matmul", "convolution", "attention", "layer norm"...
  int64_t terms = 0;           // the longest sum behind one output element
  double unit_roundoff = 0;    // u of the dtype the reference accumulates in
  double output_roundoff = 0;  // u of a float16/bfloat16 output, else 0
  double safety = 4;
};

struct ForwardBound {
  BoundSummary summary;
  // Per output element (row-major over the recorded output's sizes): how far
  // one correct computation may be from the exact result, before rounding to
  // the output dtype. Empty for a quick bound.
  std::vector<double> per_side;
  // A quick bound (quick_forward_bound) is `relative`·|expected| instead.
  double relative = 0;
  double floor = 0;  // absolute: terms flushed to zero on devices without subnormals
  bool quick() const { return per_side.empty(); }

  // The most |kernel - recorded| may be at element `i` whose recorded value
  // is `expected`.
  double threshold(size_t i, double expected) const;
};

// The values of an input tensor of the call, contiguous row-major over its
// sizes, as doubles.
using TensorValues = std::function<std::vector<double>(const store::TensorMeta&)>;

// Input values read from the trace that recorded the call. The most recently
// read ones are kept, up to `budget_bytes`: a weight is an input of every
// call that uses it, and decompressing it again for each was most of the
// cost of judging SmolLM2's matrix products.
TensorValues values_from(const store::TraceReader& trace, size_t budget_bytes = size_t{3} << 29);

// Whether the op (full name "aten::addmm" or "aten::sum.dim_IntList") has a
// forward bound at all.
bool has_forward_bound(const std::string& full_op);
// Every op name with a forward bound ("aten::addmm", ...), sorted.
std::vector<std::string> forward_bound_op_names();

// The bound of output `output` of `call`, or nullopt when the op has none,
// the output is not one it bounds (e.g. attention's logsumexp), or the call's
// arguments are not what the bound understands (it then falls back to NMSE).
// With `wanted`, only those output elements (flat indices) need their own
// bound; the others may keep the quick one (threshold takes the larger).
std::optional<ForwardBound> forward_bound(const store::Call& call, size_t output,
                                          const TensorValues& values, double safety,
                                          const std::vector<int64_t>* wanted = nullptr);

// A lower bound of forward_bound from the call's shapes alone: γ(n)·|expected|
// (the sum of the terms' magnitudes is at least the result's). A result within
// it is within the full bound, so most outputs are judged without reading an
// input; nullopt where the family has no such shortcut (norms, cumsum).
std::optional<ForwardBound> quick_forward_bound(const store::Call& call, size_t output,
                                                double safety);

}  // namespace tapml::replay
