// The module path a call's error is summarised under.
#pragma once

#include <cctype>
#include <string>

namespace tapml::migrate {

inline constexpr const char* kTopLevelScope = "(top level)";

// The first `depth` dotted components of `scope`; depth 0: up to and
// including the last all-digit component after the first (the layer index:
// "model.layers.3.mlp" -> "model.layers.3", sentence-transformers'
// "0.auto_model.encoder.layer.3.output" -> "0.auto_model.encoder.layer.3"),
// or all of it when there is none.
inline std::string scope_group(const std::string& scope, int depth) {
  if (scope.empty()) return kTopLevelScope;
  size_t begin = 0, layer_end = std::string::npos;
  for (int component = 1;; ++component) {
    const size_t dot = scope.find('.', begin);
    const size_t end = dot == std::string::npos ? scope.size() : dot;
    if (depth > 0 && component == depth) return scope.substr(0, end);
    bool numeric = end > begin;
    for (size_t i = begin; i < end; ++i) {
      numeric = numeric && std::isdigit(static_cast<unsigned char>(scope[i]));
    }
    if (numeric && component > 1) layer_end = end;
    if (dot == std::string::npos) break;
    begin = dot + 1;
  }
  return layer_end == std::string::npos ? scope : scope.substr(0, layer_end);
}

}  // namespace tapml::migrate
