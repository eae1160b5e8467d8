// Summary statistics of a tensor's values for `tapml-trace show`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "store/dtype.h"

namespace tapml::trace_cli {

struct TensorStats {
  int64_t count = 0;                  // elements
  int64_t nan_count = 0;              // NaN elements (complex: either part)
  double min = 0, max = 0, mean = 0;  // over the non-NaN elements; complex: of |z|
};

// One element as a double (complex: its magnitude).
double element_value(DType dtype, const std::byte* element);
TensorStats tensor_stats(DType dtype, const std::vector<std::byte>& bytes);

}  // namespace tapml::trace_cli
