#include "migrate/diff/tensor_comparer.h"

#include <algorithm>

namespace tapml::migrate {
namespace {

std::string layout_text(DType dtype, const std::vector<int64_t>& sizes) {
  std::string out(dtype_name(dtype));
  out += "[";
  for (size_t i = 0; i < sizes.size(); ++i) out += (i ? "," : "") + std::to_string(sizes[i]);
  return out + "]";
}

std::string cache_key(const TensorRef& a, const TensorRef& b, const replay::Tolerance& t) {
  return a.hash + b.hash + (t.exact ? "x" : "c") + std::to_string(t.nmse) + "/" +
         std::to_string(t.atol) + "/" + std::to_string(t.rtol);
}

}  // namespace

TensorDiff TensorComparer::compare(const TensorRef& ref, const TensorRef& other,
                                   const replay::Tolerance& tolerance, int64_t ref_seq) {
  TensorDiff d;
  d.arg = ref.arg;
  d.dtype = ref.dtype;
  d.sizes = ref.sizes;
  d.tolerance = tolerance;
  if (ref.hash.empty() || other.hash.empty()) {
    d.comparable = false;
    d.problem = std::string("values not captured in the ") + (ref.hash.empty() ? "ref" : "other") +
                " trace";
    return d;
  }
  if (ref.dtype != other.dtype || ref.sizes != other.sizes) {
    d.comparison.passed = false;
    d.problem = d.comparison.failure = "other is " + layout_text(other.dtype, other.sizes) +
                                       " where ref is " + layout_text(ref.dtype, ref.sizes);
    return d;
  }
  if (ref.hash == other.hash) {
    d.identical = true;
    return d;
  }
  // An op judged by its forward bound is judged on the ref trace's call.
  const std::optional<std::pair<store::Call, size_t>> bounded =
      bounded_output(ref, tolerance, ref_seq);
  const std::string key =
      cache_key(ref, other, tolerance) + (bounded ? "@" + std::to_string(ref_seq) : "");
  if (auto it = cache_.find(key); it != cache_.end()) {
    d.comparison = it->second;
  } else {
    const std::vector<std::byte> expected = ref_.read_tensor(ref.hash);
    const std::vector<std::byte> actual = other_.read_tensor(other.hash);
    tensors_read_ += 2;
    d.comparison = bounded ? replay::compare_output(bounded->first, bounded->second, ref.dtype,
                                                    actual.data(), expected.data(), ref.sizes,
                                                    tolerance, ref_values_)
                           : replay::compare(ref.dtype, actual.data(), expected.data(),
                                             ref.sizes, tolerance);
    cache_.emplace(key, d.comparison);
  }
  d.problem = d.comparison.failure;
  return d;
}

std::optional<std::pair<store::Call, size_t>> TensorComparer::bounded_output(
    const TensorRef& ref, const replay::Tolerance& tolerance, int64_t ref_seq) const {
  if (ref_seq < 0 || tolerance.exact || tolerance.method != replay::Method::ForwardBound) {
    return std::nullopt;
  }
  store::Call call = ref_.call(static_cast<size_t>(ref_seq));
  if (!replay::has_forward_bound(call.full_name())) return std::nullopt;
  for (size_t i = 0; i < call.outputs.size(); ++i) {
    if (call.outputs[i].name == ref.arg) return std::make_pair(std::move(call), i);
  }
  return std::nullopt;
}

CallDiff TensorComparer::compare_call(const StreamCall& ref, const StreamCall& other,
                                      const ToleranceFor& tolerance_for) {
  CallDiff c;
  c.ref_seq = ref.seq;
  c.other_seq = other.seq;
  c.op = ref.op;
  c.scope = ref.scope;
  c.depth = ref.depth;
  bool any = false, beyond = false, all_identical = true;
  if (ref.outputs.size() != other.outputs.size()) beyond = true;
  for (size_t i = 0; i < ref.outputs.size() && i < other.outputs.size(); ++i) {
    TensorDiff d = compare(ref.outputs[i], other.outputs[i],
                           tolerance_for(ref.op, ref.outputs[i].dtype), ref.seq);
    if (!d.comparable) continue;
    any = true;
    all_identical = all_identical && d.identical;
    beyond = beyond || !d.comparison.passed;
    if (!d.identical) {
      c.max_abs = std::max(c.max_abs, d.comparison.max_abs);
      if (d.tolerance.exact) {
        c.exact_mismatches += d.comparison.mismatches;
      } else {
        c.nmse = std::max(c.nmse, d.comparison.nmse);
      }
    }
    c.outputs.push_back(std::move(d));
  }
  if (!any) {
    c.status = CallStatus::NotCompared;
  } else if (beyond) {
    c.status = CallStatus::Beyond;
  } else {
    c.status = all_identical ? CallStatus::Identical : CallStatus::WithinTolerance;
  }
  return c;
}

}  // namespace tapml::migrate
