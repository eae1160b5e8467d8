#include "replayer/run_difference.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "replayer/compare.h"
#include "replayer/host_values.h"

namespace tapml::replay {
namespace {

std::string printf_text(const char* format, double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, value);
  return buf;
}

// Enough digits to tell any two values of the dtype apart.
std::string exact_text(DType dtype, const std::byte* p) {
  switch (dtype) {
    case DType::Float64:
      return printf_text("%.17g", load_raw<double>(p));
    case DType::Float32:
    case DType::Float16:
    case DType::BFloat16:
      return printf_text("%.9g", load_scalar(dtype, p));
    case DType::Complex64:
      return printf_text("%.9g", load_scalar(dtype, p, 0)) +
             printf_text("%+.9gi", load_scalar(dtype, p, 1));
    case DType::Complex128:
      return printf_text("%.17g", load_scalar(dtype, p, 0)) +
             printf_text("%+.17gi", load_scalar(dtype, p, 1));
    case DType::Int64:
      return std::to_string(load_raw<int64_t>(p));
    default:
      return std::to_string(static_cast<int64_t>(load_scalar(dtype, p)));
  }
}

std::string bits_text(const std::byte* p, size_t size) {
  std::string hex = "0x";
  static const char* kDigits = "0123456789abcdef";
  for (size_t i = size; i-- > 0;) {  // little-endian: the last byte is the most significant
    const auto byte = static_cast<unsigned>(p[i]);
    hex += kDigits[byte >> 4];
    hex += kDigits[byte & 15];
  }
  return hex;
}

}  // namespace

std::optional<RunDifference> compare_runs(DType dtype, const std::vector<std::byte>& first,
                                          const std::vector<std::byte>& other, int first_run,
                                          int other_run) {
  const size_t size = dtype_size(dtype);
  std::optional<RunDifference> d;
  const size_t count = std::min(first.size(), other.size()) / size;
  for (size_t i = 0; i < count; ++i) {
    const std::byte* a = first.data() + i * size;
    const std::byte* b = other.data() + i * size;
    if (std::memcmp(a, b, size) == 0) continue;
    if (!d) {
      d.emplace();
      d->first_run = first_run;
      d->other_run = other_run;
      d->flat_index = static_cast<int64_t>(i);
      d->first_value = exact_text(dtype, a);
      d->other_value = exact_text(dtype, b);
      if (d->first_value == d->other_value) {  // NaN payloads, say
        d->first_value += " (bits " + bits_text(a, size) + ")";
        d->other_value += " (bits " + bits_text(b, size) + ")";
      }
    }
    ++d->differing;
  }
  if (d) d->elements = static_cast<int64_t>(count);
  return d;
}

std::string describe_run_difference(const std::string& output, const RunDifference& d,
                                    const std::vector<int64_t>& sizes) {
  return "output '" + output + "' differs between runs " + std::to_string(d.first_run) + " and " +
         std::to_string(d.other_run) + " at " + format_index(d.flat_index, sizes) + " (flat " +
         std::to_string(d.flat_index) + "): " + d.first_value + " vs " + d.other_value + "; " +
         std::to_string(d.differing) + " of " + std::to_string(d.elements) + " elements differ";
}

}  // namespace tapml::replay
