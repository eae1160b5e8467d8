#include "replayer/tolerance.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace tapml::replay {
namespace {

std::string write_file(const std::string& name, const std::string& text) {
  const auto path =
      std::filesystem::path(::testing::TempDir()) / (std::to_string(::getpid()) + "-" + name);
  std::ofstream(path) << text;
  return path.string();
}

TEST(Tolerance, DefaultsDependOnDtypeOpAndTarget) {
  const auto policy = TolerancePolicy::defaults();
  const Tolerance f32 = policy.lookup("aten::add.Tensor", DType::Float32, "vulkan");
  EXPECT_FALSE(f32.exact);
  EXPECT_EQ(f32.nmse, 1e-7);
  EXPECT_TRUE(policy.lookup("aten::argmax", DType::Int64, "cpu").exact);
  EXPECT_TRUE(policy.lookup("aten::eq.Tensor", DType::Bool, "cpu").exact);
  EXPECT_GT(policy.lookup("aten::mm", DType::Float32, "vulkan").nmse, f32.nmse);
  EXPECT_GT(policy.lookup("aten::addmm", DType::Float32, "cpu").atol, f32.atol);
  EXPECT_GT(policy.lookup("aten::add.Tensor", DType::Float16, "cpu").rtol, f32.rtol);
  EXPECT_GT(policy.lookup("aten::add.Tensor", DType::BFloat16, "cpu").rtol,
            policy.lookup("aten::add.Tensor", DType::Float16, "cpu").rtol);
  EXPECT_LT(policy.lookup("aten::add.Tensor", DType::Float64, "cpu").nmse, f32.nmse);
  EXPECT_EQ(policy.lookup("aten::add.Tensor", DType::Float64, "opencl").nmse, f32.nmse);
  // "aten::mm" rules do not leak into ops that merely start alike.
  EXPECT_EQ(policy.lookup("aten::mmx", DType::Float32, "cpu").nmse, f32.nmse);
}

TEST(Tolerance, WebGpuMayFlushSubnormalsAndNoOtherTargetMay) {
  const auto policy = TolerancePolicy::defaults();
  EXPECT_TRUE(policy.lookup("aten::exp", DType::Float32, "webgpu").flush_subnormals);
  EXPECT_TRUE(policy.lookup("aten::sum", DType::Float16, "webgpu").flush_subnormals);
  EXPECT_FALSE(policy.lookup("aten::argmax", DType::Int64, "webgpu").flush_subnormals);
  for (const char* target : {"cpu", "vulkan", "opencl", "./libmine.so"}) {
    EXPECT_FALSE(policy.lookup("aten::exp", DType::Float32, target).flush_subnormals) << target;
  }
  // WGSL's builtin ULP bounds lie inside the float32 rule: exp at |x| = 88
  // (3 + 2 * 88 ULP), division (2.5 ULP), log outside [0.5, 2] (3 ULP).
  const Tolerance exp = policy.lookup("aten::exp", DType::Float32, "webgpu");
  EXPECT_GE(exp.rtol, (3 + 2 * 88.0) * 0x1p-23);
  EXPECT_GE(policy.lookup("aten::div.Tensor", DType::Float32, "webgpu").rtol, 2.5 * 0x1p-23);
  // log's absolute 2^-21 on [0.5, 2], where log is at most 0.7.
  EXPECT_GE(policy.lookup("aten::log", DType::Float32, "webgpu").atol, 0x1p-21);
}

TEST(Tolerance, JsonRulesOverrideFieldByField) {
  auto policy = TolerancePolicy::defaults();
  policy.load_file(write_file("tol.json", R"({"rules": [
    {"op": "aten::softmax", "target": "vulkan", "nmse": 1e-5},
    {"op": "aten::softmax\\.int", "dtype": "float32", "atol": 0.5}
  ]})"));
  const Tolerance t = policy.lookup("aten::softmax.int", DType::Float32, "vulkan");
  EXPECT_EQ(t.nmse, 1e-5);
  EXPECT_EQ(t.atol, 0.5);
  EXPECT_EQ(t.rtol, 1e-4);  // kept from the built-in rule
  EXPECT_EQ(policy.lookup("aten::softmax.int", DType::Float32, "cpu").nmse, 1e-7);
}

TEST(Tolerance, TomlFilesAreRead) {
  auto policy = TolerancePolicy::defaults();
  policy.load_file(write_file("tol.toml", R"(# looser gelu on GPUs
[[rules]]
op = "aten::gelu"   # both approximations
target = 'opencl'
rtol = 1e-3
nmse = 2_000e-10

[[rules]]
op = "aten::argmax"
exact = false

[[rules]]
target = "mine"
flush_subnormals = true
)"));
  EXPECT_TRUE(policy.lookup("aten::exp", DType::Float32, "mine").flush_subnormals);
  const Tolerance gelu = policy.lookup("aten::gelu", DType::Float32, "opencl");
  EXPECT_EQ(gelu.rtol, 1e-3);
  EXPECT_DOUBLE_EQ(gelu.nmse, 2e-7);
  EXPECT_FALSE(policy.lookup("aten::argmax", DType::Int64, "cpu").exact);
}

TEST(Tolerance, AnyValidTomlLoadsAndTheForwardBoundCanBeSwitchedPerOp) {
  auto policy = TolerancePolicy::defaults();
  EXPECT_EQ(policy.lookup("aten::sum.dim_IntList", DType::Float32, "cpu").method,
            Method::ForwardBound);
  EXPECT_EQ(policy.lookup("aten::addmm", DType::Float16, "vulkan").method, Method::ForwardBound);
  EXPECT_EQ(policy.lookup("aten::add.Tensor", DType::Float32, "cpu").method, Method::Nmse);
  policy.load_file(write_file("inline.toml", R"(
rules = [
  { op = "aten::sum", method = "nmse", nmse = 1e-6 },
  { op = "aten::mm", target = "opencl", safety = 2 },
]
)"));
  const Tolerance sum = policy.lookup("aten::sum.dim_IntList", DType::Float32, "cpu");
  EXPECT_EQ(sum.method, Method::Nmse);
  EXPECT_EQ(sum.nmse, 1e-6);
  EXPECT_EQ(policy.lookup("aten::mm", DType::Float32, "opencl").safety, 2);
  EXPECT_EQ(policy.lookup("aten::mm", DType::Float32, "cpu").safety, 4);
}

void expect_error(const std::string& name, const std::string& text, const std::string& needle) {
  auto policy = TolerancePolicy::defaults();
  try {
    policy.load_file(write_file(name, text));
    FAIL() << "no error for " << name;
  } catch (const ToleranceError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(needle), std::string::npos) << what;
    EXPECT_NE(what.find(name), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
  }
}

TEST(Tolerance, BadFilesAreOneLineErrors) {
  expect_error("a.json", "{\"rules\": [", "not valid JSON");
  expect_error("b.json", R"({"rules": [{"nmsee": 1}]})", "unknown key 'nmsee'");
  expect_error("c.json", R"({"rules": [{"nmse": "small"}]})", "must be a number");
  expect_error("d.json", R"({"rules": [{"op": "aten::(mm"}]})", "not a valid op pattern");
  expect_error("e.json", R"({"rules": [{"dtype": "float17"}]})", "float17");
  expect_error("f.json", R"({"rules": [{"atol": -1}]})", ">= 0");
  expect_error("g.json", R"({"rule": []})", "expected");
  expect_error("h.toml", "[[rules]]\nnmse = 1e-6 extra\n", "line 2: not valid TOML");
  expect_error("i.toml", "nmse = 1\n", "unknown top-level key 'nmse'");
  expect_error("j.toml", "[defaults]\n", "unknown top-level key 'defaults'");
  expect_error("k.toml", "[[rules]]\nop = \"aten::mm\n", "not valid TOML");
  expect_error("l.toml", "[[rules]]\nmethod = \"ulp\"\n", "'nmse' or 'forward-bound'");
  expect_error("m.toml", "[[rules]]\nsafety = 0\n", "safety");
  expect_error("n.toml", "[[rules]]\nnmse = [1]\n", "must be a string, number or bool");
  expect_error("o.toml", "[[rules]]\nflush_subnormals = 1\n", "'flush_subnormals' must be true");
  auto policy = TolerancePolicy::defaults();
  EXPECT_THROW(policy.load_file("/nonexistent/tol.json"), ToleranceError);
}

}  // namespace
}  // namespace tapml::replay
