// Comparing the outputs of two runs of one call bitwise (--repeat): a kernel
// whose result changes between runs on the same inputs (a data race, an
// uninitialised read, an atomic accumulation in varying order) is FLAKY
// whatever the tolerance says, since one run that passed proves nothing
// about the next. Equal means the same bits: NaN equals NaN only with the
// same payload, and -0 differs from +0.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/dtype.h"

namespace tapml::replay {

struct RunDifference {
  int first_run = 1;  // runs counted from 1
  int other_run = 2;
  int64_t flat_index = 0;   // the first element that differs, row-major
  std::string first_value;  // exact decimal; with the bits when the decimals are equal
  std::string other_value;
  int64_t differing = 0;  // elements that differ between the two runs
  int64_t elements = 0;
};

// The difference between two runs' contiguous `dtype` values, or nullopt when
// they hold the same bits.
std::optional<RunDifference> compare_runs(DType dtype, const std::vector<std::byte>& first,
                                          const std::vector<std::byte>& other, int first_run,
                                          int other_run);

// "output 'result' differs between runs 1 and 2 at [0, 2] (flat 2): 0.5 vs
// 0.501953125; 1 of 6 elements differ".
std::string describe_run_difference(const std::string& output, const RunDifference& d,
                                    const std::vector<int64_t>& sizes);

}  // namespace tapml::replay
