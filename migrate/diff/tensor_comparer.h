// Comparing the outputs of two paired calls with the replayer's comparison.
// Equal content hashes mean equal values, so only differing tensors are read;
// results are cached per (ref hash, other hash, bound), since one tensor is
// the output of a call and of the calls that wrap it.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <utility>
#include <string>

#include "migrate/diff/call_stream.h"
#include "migrate/diff/diff.h"

namespace tapml::migrate {

// The bound for an op's output of a dtype.
using ToleranceFor = std::function<replay::Tolerance(const std::string& op, DType dtype)>;

class TensorComparer {
 public:
  TensorComparer(const store::TraceReader& ref, const store::TraceReader& other)
      : ref_(ref), other_(other), ref_values_(replay::values_from(ref)) {}

  // `other` is judged against `ref` (the expected values). With `ref_seq`,
  // an output of an op judged by its forward bound gets the bound of the ref
  // trace's call `ref_seq` (its inputs), as the replayer would.
  TensorDiff compare(const TensorRef& ref, const TensorRef& other,
                     const replay::Tolerance& tolerance, int64_t ref_seq = -1);
  // Outputs paired by position; status NotCompared when no pair was captured.
  CallDiff compare_call(const StreamCall& ref, const StreamCall& other,
                        const ToleranceFor& tolerance_for);
  int64_t tensors_read() const { return tensors_read_; }

 private:
  // The ref trace's call `ref_seq` and the index of `ref` among its
  // outputs, when the tolerance judges it by its forward bound.
  std::optional<std::pair<store::Call, size_t>> bounded_output(const TensorRef& ref,
                                                               const replay::Tolerance& tolerance,
                                                               int64_t ref_seq) const;

  const store::TraceReader& ref_;
  const store::TraceReader& other_;
  replay::TensorValues ref_values_;  // inputs of ref calls, for forward bounds
  std::map<std::string, replay::Comparison> cache_;
  int64_t tensors_read_ = 0;
};

}  // namespace tapml::migrate
