// Helpers for kernel tests: tensors from values in chosen layouts, calls
// built by schema names, and the backends a test can run on here.
#pragma once

#include <string>
#include <vector>

#include "backends/backend.h"

namespace tapml::backends::testing {

// How a test tensor lies in its buffer.
enum class Layout {
  Contiguous,
  Transposed,  // the last two dims swapped in memory (a .t() / .transpose view)
  Sliced,      // every dim padded by one element and an offset: a slice of a bigger tensor
};

// A device tensor of `sizes` holding `values` (row-major) in `layout`; the
// buffer's other elements are poisoned (NaN, or -7777 for integers).
Tensor make_tensor(Device& device, DType dtype, const std::vector<int64_t>& sizes,
                   const std::vector<double>& values, Layout layout = Layout::Contiguous);
// An output tensor of `sizes` (contiguous, poisoned).
Tensor make_output(Device& device, DType dtype, const std::vector<int64_t>& sizes,
                   Layout layout = Layout::Contiguous);
// The values of a (strided) tensor, row-major.
std::vector<double> read_values(Device& device, const Tensor& t);

// A KernelCall built argument by argument.
class CallBuilder {
 public:
  explicit CallBuilder(std::string op) { call_.op = std::move(op); }
  CallBuilder& arg(std::string name, Value value) {
    call_.inputs.push_back({std::move(name), std::move(value)});
    return *this;
  }
  CallBuilder& out(Tensor t) {
    call_.outputs.push_back(std::move(t));
    return *this;
  }
  const KernelCall& call() const { return call_; }

 private:
  KernelCall call_;
};

// Runs the call through the backend's kernel table; throws (with the reason)
// when no kernel takes it.
void run_call(const Backend& backend, Device& device, const KernelCall& call);

// Backends compiled in whose platform is present here ("cpu" always).
std::vector<std::string> available_backends();

}  // namespace tapml::backends::testing
