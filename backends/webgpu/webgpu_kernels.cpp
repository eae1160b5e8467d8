#include "backends/webgpu/webgpu_kernels.h"

#include <map>

#include "backends/backend.h"
#include "backends/webgpu/webgpu_shaders.h"  // generated: kShaders, name -> text

namespace tapml::backends::webgpu {

std::string kernel_source(const std::string& kernel, size_t inputs) {
  const auto found = kShaders.find(kernel);
  if (found == kShaders.end()) throw BackendError("webgpu: no kernel " + kernel);
  std::string source =
      "@group(0) @binding(0) var<storage, read> params: Params;\n"
      "@group(0) @binding(1) var<storage, read_write> status: array<atomic<u32>>;\n"
      "@group(0) @binding(2) var<storage, read_write> dst: array<atomic<u32>>;\n";
  std::string words = "fn load_word(t: u32, i: u32) -> u32 {\n  switch (t) {\n";
  for (size_t i = 0; i < inputs; ++i) {
    const std::string n = std::to_string(i);
    source += "@group(0) @binding(" + std::to_string(3 + i) + ") var<storage, read> in" + n +
              ": array<u32>;\n";
    words += "    case " + std::to_string(i + 1) + "u: { return in" + n + "[i]; }\n";
  }
  words += "    default: { return 0u; }\n  }\n}\n";
  const bool rows = kernel == "softmax" || kernel == "layer_norm";
  const bool products = kernel == "matmul" || kernel == "matvec";
  return source + words + kShaders.at("common") + kShaders.at("math") +
         (rows ? kShaders.at("rows") : std::string()) +
         (products ? kShaders.at("products") : std::string()) + found->second;
}

}  // namespace tapml::backends::webgpu
