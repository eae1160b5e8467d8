// Which recorded calls become test cases. Every distinct (op, input
// signature) among the trace's compute calls is one case, carved from its
// smallest real call (by input bytes) whose values were captured. Cases the
// cpu target has no kernel for, and cases over the fixture's size budget
// (smallest first, so the budget keeps as many as it can), are left out with
// the reason, for the generator to print.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "backends/backend.h"
#include "store/op_pattern.h"
#include "store/reader.h"

namespace tapml::gen {

// Bad input to the generator (nothing to carve, a budget too small): one
// line, exit code 2.
class GenError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct SelectionOptions {
  store::OpPattern op;  // store/op_pattern.h
  // Told (calls read, calls in the trace) while the trace is read.
  std::function<void(size_t done, size_t total)> progress;
  size_t budget_bytes = size_t{20} << 20;
};

struct Case {
  store::Call call;       // the recorded call carved, with its seq in the source trace
  std::string op;         // full name, "aten::add.Tensor"
  std::string signature;  // input_signature(call)
  std::string suite;      // GoogleTest suite: op_identifier(op), unique within the selection
  std::string name;       // GoogleTest test name, unique within its suite
  int64_t calls = 0;      // recorded calls with this signature
  size_t input_bytes = 0;
  size_t fixture_bytes = 0;  // estimated bytes it adds to the fixture
};

struct LeftOut {
  std::string op;
  std::string name;  // the case's name, as it would have been called
  int64_t calls = 0;
  std::string why;
};

struct Selection {
  std::vector<Case> cases;        // sorted by suite, then name
  std::vector<LeftOut> left_out;  // sorted by op, then name
  int64_t compute_calls = 0;      // compute calls that matched the op filter
  size_t fixture_bytes = 0;       // estimate for the chosen cases
};

// Throws GenError when no compute call matches, when no matching call can
// become a case, or when the budget holds none of them.
Selection select_cases(const store::TraceReader& trace, const backends::KernelTable& cpu_kernels,
                       const SelectionOptions& options);

}  // namespace tapml::gen
