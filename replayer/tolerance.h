// How close a kernel's output must be to the recorded one, per op, dtype and
// target. Built-in rules give the defaults (docs/replayer.md lists them); a
// JSON or TOML file (`--tolerance FILE`) appends rules that override them.
// Later rules win, field by field.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "store/dtype.h"
#include "store/op_pattern.h"

namespace tapml::replay {

// A defect of a tolerance file; the message is one line naming the file.
class ToleranceError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// How a floating output is judged: by NMSE and an elementwise atol/rtol, or,
// for ops whose result is a sum (bounds/forward_bound.h), by the forward
// error bound of each element over its own terms.
enum class Method { Nmse, ForwardBound };
std::string_view method_name(Method method);  // "nmse", "forward-bound"
std::optional<Method> method_from_name(std::string_view name);

struct Tolerance {
  bool exact = false;  // every element bit-for-bit (integers, bools, indices)
  double nmse = 1e-7;  // sum((a-b)^2) / sum(b^2) at most this
  double atol = 1e-5;  // and every element |a-b| <= atol + rtol * |b|
  double rtol = 1e-4;
  Method method = Method::Nmse;
  double safety = 4;  // forward bound: threshold = safety * per-side bound
  // The target may flush subnormal values to zero (WGSL allows it for every
  // float operation): a subnormal on either side is compared as a zero of
  // its sign, so a flushed result is not a FAIL where the bound is tighter
  // than the subnormal (forward bounds, exact-ish rules).
  bool flush_subnormals = false;
};

// The ops a forward bound exists for, as an op pattern (docs/replayer.md).
const std::string& forward_bound_ops();

struct ToleranceRule {
  std::string op = ".*";     // op pattern (store/op_pattern.h)
  std::string dtype = "*";   // "*", "floating", "integral" or a dtype name ("float16")
  std::string target = "*";  // "*" or a backend name
  std::optional<bool> exact;
  std::optional<Method> method;
  std::optional<double> nmse;
  std::optional<double> atol;
  std::optional<double> rtol;
  std::optional<double> safety;
  std::optional<bool> flush_subnormals;
  std::string origin;  // "built-in" or "FILE rule N", shown in reports
};

class TolerancePolicy {
 public:
  // The built-in rules only.
  static TolerancePolicy defaults();

  // Appends the rules of a JSON (.json, or text starting with '{') or TOML
  // file. Throws ToleranceError on any defect, naming the file and the line
  // or rule.
  void load_file(const std::string& path);
  void add(ToleranceRule rule);  // throws ToleranceError on a bad op pattern or dtype

  Tolerance lookup(const std::string& full_op, DType dtype, const std::string& target) const;
  const std::vector<ToleranceRule>& rules() const { return rules_; }

 private:
  std::vector<ToleranceRule> rules_;
  std::vector<store::OpPattern> patterns_;
  mutable std::map<std::string, Tolerance> cache_;
};

}  // namespace tapml::replay
