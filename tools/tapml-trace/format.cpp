#include "format.h"

#include <cstdio>

namespace tapml::trace_cli {

std::string shape_text(const std::vector<int64_t>& sizes) {
  std::string s = "[";
  for (size_t i = 0; i < sizes.size(); ++i) s += (i ? "," : "") + std::to_string(sizes[i]);
  return s + "]";
}

std::string bytes_text(int64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int unit = 0;
  while (v >= 1024 && unit < 4) {
    v /= 1024;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, unit ? "%.1f %s" : "%.0f %s", v, units[unit]);
  return text;
}

std::string input_shapes(const store::Call& call) {
  auto one = [](const store::TensorMeta& t) {
    return std::string(dtype_name(t.dtype)) + shape_text(t.sizes);
  };
  std::string out;
  for (const store::Arg& arg : call.inputs) {
    const store::Value& v = arg.value;
    if (v.kind == store::ValueKind::Tensor) {
      out += (out.empty() ? "" : " ") + one(v.tensor);
    } else if (v.kind == store::ValueKind::TensorList) {
      out += out.empty() ? "(" : " (";
      for (size_t i = 0; i < v.tensors.size(); ++i) {
        out += (i ? " " : "") + (v.tensors[i] ? one(*v.tensors[i]) : std::string("-"));
      }
      out += ")";
    }
  }
  return out;
}

}  // namespace tapml::trace_cli
