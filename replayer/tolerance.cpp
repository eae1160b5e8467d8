#include "replayer/tolerance.h"

#include "replayer/bounds/forward_bound.h"

namespace tapml::replay {
namespace {

// Matrix products and attention sum hundreds of products per element; their
// rounding differs with the order of the sum, so they get a looser bound.
constexpr const char* kSumOfProductsOps =
    "aten::(mm|addmm|bmm|baddbmm|matmul|linear|addmv|mv|dot|vdot|einsum|tensordot|"
    "_addmm_activation|scaled_dot_product_attention|_scaled_dot_product_.*|"
    "_flash_attention_.*|_efficient_attention_.*|convolution|_convolution|conv.*)(\\..*)?";

ToleranceRule rule(std::string op, std::string dtype, std::string target) {
  ToleranceRule r;
  r.op = std::move(op);
  r.dtype = std::move(dtype);
  r.target = std::move(target);
  r.origin = "built-in";
  return r;
}

bool dtype_matches(const std::string& pattern, DType dtype) {
  if (pattern == "*") return true;
  const bool floating =
      dtype_is_floating(dtype) || dtype == DType::Complex64 || dtype == DType::Complex128;
  if (pattern == "floating") return floating;
  if (pattern == "integral") return !floating;
  return pattern == dtype_name(dtype);
}

bool dtype_pattern_valid(const std::string& pattern) {
  return pattern == "*" || pattern == "floating" || pattern == "integral" ||
         dtype_from_name(pattern).has_value();
}

}  // namespace

std::string_view method_name(Method method) {
  return method == Method::ForwardBound ? "forward-bound" : "nmse";
}

std::optional<Method> method_from_name(std::string_view name) {
  if (name == "nmse") return Method::Nmse;
  if (name == "forward-bound") return Method::ForwardBound;
  return std::nullopt;
}

const std::string& forward_bound_ops() {
  static const std::string pattern = [] {
    std::string names;
    for (const std::string& op : forward_bound_op_names()) {
      names += (names.empty() ? "" : "|") + op.substr(op.find("::") + 2);
    }
    return "aten::(" + names + ")(\\..*)?";
  }();
  return pattern;
}

TolerancePolicy TolerancePolicy::defaults() {
  TolerancePolicy policy;
  // float32 (and the base for everything floating): llama.cpp's NMSE bound.
  auto base = rule(".*", "*", "*");
  base.exact = false, base.nmse = 1e-7, base.atol = 1e-5, base.rtol = 1e-4;
  policy.add(base);
  // Integers, bools and indices: exact.
  auto integral = rule(".*", "integral", "*");
  integral.exact = true;
  policy.add(integral);
  // float64 on the CPU is computed in double: near-exact.
  auto f64_cpu = rule(".*", "float64", "cpu");
  f64_cpu.nmse = 1e-20, f64_cpu.atol = 1e-12, f64_cpu.rtol = 1e-9;
  policy.add(f64_cpu);
  // Half types: outputs rounded to a 10- or 7-bit mantissa (a few ulps).
  auto f16 = rule(".*", "float16", "*");
  f16.nmse = 1e-5, f16.atol = 1e-3, f16.rtol = 4e-3;
  policy.add(f16);
  auto bf16 = rule(".*", "bfloat16", "*");
  bf16.nmse = 1e-4, bf16.atol = 1e-2, bf16.rtol = 3.2e-2;
  policy.add(bf16);
  // Sums of products: the order of summation differs between platforms.
  auto products = rule(kSumOfProductsOps, "*", "*");
  products.nmse = 1e-6, products.atol = 1e-3, products.rtol = 1e-3;
  policy.add(products);
  auto products_half = rule(kSumOfProductsOps, "float16", "*");
  products_half.nmse = 1e-4, products_half.atol = 1e-2, products_half.rtol = 1e-2;
  policy.add(products_half);
  auto products_bf16 = rule(kSumOfProductsOps, "bfloat16", "*");
  products_bf16.nmse = 1e-3, products_bf16.atol = 5e-2, products_bf16.rtol = 5e-2;
  policy.add(products_bf16);
  // Results that are sums (reductions, products, convolution, attention,
  // norm statistics) are judged by their forward error bound, which scales
  // with the terms rather than the result: a sum that cancels to near zero
  // is judged fairly (bounds/forward_bound.h).
  auto sums = rule(forward_bound_ops(), "floating", "*");
  sums.method = Method::ForwardBound;
  sums.safety = 4;
  policy.add(sums);
  // WebGPU (docs/replayer.md, "WebGPU"): WGSL lets any float operation flush
  // subnormal inputs and results to zero. Its builtins' ULP bounds (exp,
  // exp2: 3 + 2|x|; log, log2: 3, or 2^-21 absolute on [0.5, 2];
  // inverseSqrt: 2; division: 2.5 for |y| in [2^-126, 2^126]) are Vulkan's
  // and lie inside the rules above (rtol 1e-4 is 839 ULP of f32).
  auto webgpu = rule(".*", "floating", "webgpu");
  webgpu.flush_subnormals = true;
  policy.add(webgpu);
  return policy;
}

void TolerancePolicy::add(ToleranceRule r) {
  if (!dtype_pattern_valid(r.dtype)) {
    throw ToleranceError(r.origin + ": dtype '" + r.dtype +
                         "' is not '*', 'floating', 'integral' or a dtype name like 'float16'");
  }
  for (auto value : {r.nmse, r.atol, r.rtol}) {
    if (value && !(*value >= 0)) throw ToleranceError(r.origin + ": bounds must be >= 0");
  }
  if (r.safety && !(*r.safety > 0 && *r.safety <= 1e6)) {
    throw ToleranceError(r.origin + ": safety must be a number > 0");
  }
  try {
    patterns_.emplace_back(r.op, r.origin + ": op");
  } catch (const store::OpPatternError& e) {
    throw ToleranceError(e.what());
  }
  rules_.push_back(std::move(r));
  cache_.clear();
}

Tolerance TolerancePolicy::lookup(const std::string& full_op, DType dtype,
                                  const std::string& target) const {
  const std::string key = full_op + '\n' + std::string(dtype_name(dtype)) + '\n' + target;
  if (auto it = cache_.find(key); it != cache_.end()) return it->second;
  Tolerance tol;
  for (size_t i = 0; i < rules_.size(); ++i) {
    const ToleranceRule& r = rules_[i];
    if (r.target != "*" && r.target != target) continue;
    if (!dtype_matches(r.dtype, dtype)) continue;
    if (!patterns_[i].matches(full_op)) continue;
    if (r.exact) tol.exact = *r.exact;
    if (r.method) tol.method = *r.method;
    if (r.safety) tol.safety = *r.safety;
    if (r.flush_subnormals) tol.flush_subnormals = *r.flush_subnormals;
    if (r.nmse) tol.nmse = *r.nmse;
    if (r.atol) tol.atol = *r.atol;
    if (r.rtol) tol.rtol = *r.rtol;
  }
  cache_.emplace(key, tol);
  return tol;
}

}  // namespace tapml::replay
