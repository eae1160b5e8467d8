// Elementwise aten ops against hand-computed values: broadcasting, strided
// inputs and outputs, Scalar operands, type promotion, in-place variants.
#include <cmath>

#include "tests/backends/kernel_fixture.h"

namespace tapml::backends::testing {
namespace {

using Elementwise = KernelTest;

TEST_P(Elementwise, AddBroadcastsAStridedInputWithAlpha) {
  // self [[1,2,3],[4,5,6]] stored transposed; other [10,20,30] broadcast over rows.
  const Tensor self = f32({2, 3}, {1, 2, 3, 4, 5, 6}, Layout::Transposed);
  const Tensor other = f32({3}, {10, 20, 30});
  const Tensor result = out(DType::Float32, {2, 3});
  run(CallBuilder("aten::add.Tensor")
          .arg("self", self)
          .arg("other", other)
          .arg("alpha", 2.0)
          .out(result));
  expect_values(values(result), {21, 42, 63, 24, 45, 66});
}

TEST_P(Elementwise, SubWritesAStridedOutput) {
  const Tensor self = f32({2, 2}, {5, 6, 7, 8});
  const Tensor other = f32({2, 2}, {1, 1, 2, 2}, Layout::Sliced);
  const Tensor result = out(DType::Float32, {2, 2}, Layout::Transposed);
  run(CallBuilder("aten::sub.Tensor")
          .arg("self", self)
          .arg("other", other)
          .arg("alpha", int64_t{1})
          .out(result));
  expect_values(values(result), {4, 5, 5, 6});
}

TEST_P(Elementwise, MulByFloatScalarPromotesIntegers) {
  const Tensor self = i64({3}, {1, 2, 3});
  const Tensor result = out(DType::Float32, {3});
  run(CallBuilder("aten::mul.Scalar").arg("self", self).arg("other", 0.5).out(result));
  expect_values(values(result), {0.5, 1, 1.5});
}

TEST_P(Elementwise, AddScalarToIntegersStaysExact) {
  const Tensor self = i64({3}, {-4, 0, 1000000});
  const Tensor result = out(DType::Int64, {3});
  run(CallBuilder("aten::add.Tensor")
          .arg("self", self)
          .arg("other", int64_t{7})
          .arg("alpha", int64_t{1})
          .out(result));
  expect_values(values(result), {3, 7, 1000007}, 0);
}

TEST_P(Elementwise, InPlaceMulWritesItsOwnInput) {
  const Tensor self = f32({2, 2}, {1, 2, 3, 4}, Layout::Transposed);
  const Tensor other = f32({2, 1}, {10, 100});
  run(CallBuilder("aten::mul_.Tensor").arg("self", self).arg("other", other).out(self));
  expect_values(values(self), {10, 20, 300, 400});
}

TEST_P(Elementwise, DivModesRoundAsTorch) {
  const Tensor self = f32({4}, {7, -7, 7, -7});
  const Tensor other = f32({4}, {2, 2, -2, -2});
  const Tensor floor = out(DType::Float32, {4});
  run(CallBuilder("aten::div.Tensor_mode")
          .arg("self", self)
          .arg("other", other)
          .arg("rounding_mode", std::string("floor"))
          .out(floor));
  expect_values(values(floor), {3, -4, -4, 3});
  const Tensor trunc = out(DType::Float32, {4});
  run(CallBuilder("aten::div.Tensor_mode")
          .arg("self", self)
          .arg("other", other)
          .arg("rounding_mode", std::string("trunc"))
          .out(trunc));
  expect_values(values(trunc), {3, -3, -3, 3});
  const Tensor ints = i64({4}, {7, -7, 7, -7});
  const Tensor int_floor = out(DType::Int64, {4});
  run(CallBuilder("aten::div.Scalar_mode")
          .arg("self", ints)
          .arg("other", int64_t{2})
          .arg("rounding_mode", std::string("floor"))
          .out(int_floor));
  expect_values(values(int_floor), {3, -4, 3, -4}, 0);
  const Tensor true_div = out(DType::Float32, {4});
  run(CallBuilder("aten::div.Tensor").arg("self", ints).arg("other", other).out(true_div));
  expect_values(values(true_div), {3.5, -3.5, -3.5, 3.5});
}

TEST_P(Elementwise, RsubSwapsOperands) {
  const Tensor self = i64({2}, {1, 5});
  const Tensor result = out(DType::Int64, {2});
  run(CallBuilder("aten::rsub.Scalar")
          .arg("self", self)
          .arg("other", int64_t{1})
          .arg("alpha", int64_t{1})
          .out(result));
  expect_values(values(result), {0, -4}, 0);
}

TEST_P(Elementwise, ComparisonsGiveBools) {
  const Tensor self = i64({1, 4}, {-1, 0, 1, 2});
  const Tensor lt = out(DType::Bool, {1, 4});
  run(CallBuilder("aten::lt.Scalar").arg("self", self).arg("other", int64_t{0}).out(lt));
  expect_values(values(lt), {1, 0, 0, 0}, 0);
  const Tensor floats = f32({4}, {0.5, 1, 1.5, NAN});
  const Tensor ge = out(DType::Bool, {4});
  run(CallBuilder("aten::ge.Tensor").arg("self", floats).arg("other", f32({}, {1})).out(ge));
  expect_values(values(ge), {0, 1, 1, 0}, 0);
  const Tensor eq = out(DType::Bool, {4});
  run(CallBuilder("aten::eq.Scalar").arg("self", floats).arg("other", 1.5).out(eq));
  expect_values(values(eq), {0, 0, 1, 0}, 0);
}

TEST_P(Elementwise, BitwiseOpsOnBoolsAndInts) {
  const Tensor a = in(DType::Bool, {4}, {0, 1, 0, 1});
  const Tensor b = in(DType::Bool, {4}, {0, 0, 1, 1});
  const Tensor both = out(DType::Bool, {4});
  run(CallBuilder("aten::__and__.Tensor").arg("self", a).arg("other", b).out(both));
  expect_values(values(both), {0, 0, 0, 1}, 0);
  const Tensor either = out(DType::Bool, {4});
  run(CallBuilder("aten::bitwise_or.Tensor").arg("self", a).arg("other", b).out(either));
  expect_values(values(either), {0, 1, 1, 1}, 0);
  const Tensor negated = out(DType::Bool, {4});
  run(CallBuilder("aten::bitwise_not").arg("self", a).out(negated));
  expect_values(values(negated), {1, 0, 1, 0}, 0);
  const Tensor ints = i64({2}, {6, 5});
  const Tensor masked = out(DType::Int64, {2});
  run(CallBuilder("aten::bitwise_and.Tensor")
          .arg("self", ints)
          .arg("other", in(DType::Bool, {2}, {1, 1}))
          .out(masked));
  expect_values(values(masked), {0, 1}, 0);
  const Tensor inverted = out(DType::Int64, {2});
  run(CallBuilder("aten::bitwise_not").arg("self", ints).out(inverted));
  expect_values(values(inverted), {-7, -6}, 0);
}

TEST_P(Elementwise, UnaryMathsAndActivations) {
  const std::vector<double> x = {-2, -0.5, 0.25, 3};
  const Tensor self = f32({2, 2}, x, Layout::Transposed);
  struct Case {
    const char* op;
    double (*f)(double);
  };
  const Case cases[] = {
      {"aten::neg", [](double v) { return -v; }},
      {"aten::exp", [](double v) { return std::exp(v); }},
      {"aten::cos", [](double v) { return std::cos(v); }},
      {"aten::sin", [](double v) { return std::sin(v); }},
      {"aten::tanh", [](double v) { return std::tanh(v); }},
      {"aten::reciprocal", [](double v) { return 1 / v; }},
      {"aten::silu", [](double v) { return v / (1 + std::exp(-v)); }},
      {"aten::sigmoid", [](double v) { return 1 / (1 + std::exp(-v)); }},
      {"aten::relu", [](double v) { return v > 0 ? v : 0; }},
      {"aten::abs", [](double v) { return std::fabs(v); }},
  };
  for (const Case& c : cases) {
    const Tensor result = out(DType::Float32, {2, 2});
    run(CallBuilder(c.op).arg("self", self).out(result));
    std::vector<double> expected;
    for (double v : x) expected.push_back(c.f(v));
    SCOPED_TRACE(c.op);
    expect_values(values(result), expected);
  }
  const Tensor positive = f32({3}, {0.25, 1, 4});
  const Tensor rsqrt = out(DType::Float32, {3});
  run(CallBuilder("aten::rsqrt").arg("self", positive).out(rsqrt));
  expect_values(values(rsqrt), {2, 1, 0.5});
}

TEST_P(Elementwise, GeluInBothApproximations) {
  const std::vector<double> x = {-3, -1, 0, 0.5, 2};
  const Tensor self = f32({5}, x);
  const Tensor exact = out(DType::Float32, {5});
  run(CallBuilder("aten::gelu")
          .arg("self", self)
          .arg("approximate", std::string("none"))
          .out(exact));
  const Tensor tanh = out(DType::Float32, {5});
  run(CallBuilder("aten::gelu")
          .arg("self", self)
          .arg("approximate", std::string("tanh"))
          .out(tanh));
  std::vector<double> expected_exact, expected_tanh;
  for (double v : x) {
    expected_exact.push_back(0.5 * v * (1 + std::erf(v / std::sqrt(2.0))));
    expected_tanh.push_back(0.5 * v *
                            (1 + std::tanh(std::sqrt(2 / M_PI) * (v + 0.044715 * v * v * v))));
  }
  expect_values(values(exact), expected_exact);
  expect_values(values(tanh), expected_tanh);
}

TEST_P(Elementwise, PowClampAndFriends) {
  const Tensor self = f32({4}, {-2, -0.5, 0.5, 3});
  const Tensor squared = out(DType::Float32, {4});
  run(CallBuilder("aten::pow.Tensor_Scalar")
          .arg("self", self)
          .arg("exponent", int64_t{2})
          .out(squared));
  expect_values(values(squared), {4, 0.25, 0.25, 9});
  const Tensor powers = out(DType::Float32, {3});
  run(CallBuilder("aten::pow.Scalar")
          .arg("self", 10.0)
          .arg("exponent", f32({3}, {0, 1, -2}))
          .out(powers));
  expect_values(values(powers), {1, 10, 0.01});
  const Tensor clamped = out(DType::Float32, {4});
  run(CallBuilder("aten::clamp")
          .arg("self", self)
          .arg("min", -1.0)
          .arg("max", Value{})
          .out(clamped));
  expect_values(values(clamped), {-1, -0.5, 0.5, 3});
  const Tensor both = out(DType::Float32, {4});
  run(CallBuilder("aten::clamp").arg("self", self).arg("min", -1.0).arg("max", 1.0).out(both));
  expect_values(values(both), {-1, -0.5, 0.5, 1});
  const Tensor at_least = out(DType::Float32, {4});
  run(CallBuilder("aten::clamp_min").arg("self", self).arg("min", 1e-12).out(at_least));
  expect_values(values(at_least), {1e-12, 1e-12, 0.5, 3});
}

TEST_P(Elementwise, WhereAndMaskedFill) {
  const Tensor cond = in(DType::Bool, {4}, {1, 0, 0, 1});
  const Tensor self = f32({}, {-INFINITY});
  const Tensor other = f32({1, 4}, {1, 2, 3, 4});
  const Tensor result = out(DType::Float32, {1, 4});
  run(CallBuilder("aten::where.self")
          .arg("condition", cond)
          .arg("self", self)
          .arg("other", other)
          .out(result));
  expect_values(values(result), {-INFINITY, 2, 3, -INFINITY});
  const Tensor scalar_other = out(DType::Float32, {4});
  run(CallBuilder("aten::where.ScalarOther")
          .arg("condition", cond)
          .arg("self", f32({4}, {1, 2, 3, 4}))
          .arg("other", 0.0)
          .out(scalar_other));
  expect_values(values(scalar_other), {1, 0, 0, 4});
  const Tensor ids = i64({1, 4}, {5, 6, 7, 8}, Layout::Sliced);
  const Tensor filled = out(DType::Int64, {1, 4});
  run(CallBuilder("aten::masked_fill.Scalar")
          .arg("self", ids)
          .arg("mask", in(DType::Bool, {1, 4}, {0, 1, 1, 0}))
          .arg("value", int64_t{0})
          .out(filled));
  expect_values(values(filled), {5, 0, 0, 8}, 0);
  const Tensor inplace = f32({2, 2}, {1, 2, 3, 4});
  run(CallBuilder("aten::masked_fill_.Scalar")
          .arg("self", inplace)
          .arg("mask", in(DType::Bool, {2}, {1, 0}))
          .arg("value", -1.0)
          .out(inplace));
  expect_values(values(inplace), {-1, 2, -1, 4});
}

TEST_P(Elementwise, PartialWriteBugLeavesTheTailUnwritten) {
  const Tensor a = f32({16}, std::vector<double>(16, 1));
  const Tensor b = f32({16}, std::vector<double>(16, 2));
  const Tensor clean = out(DType::Float32, {16});
  run(CallBuilder("aten::add.Tensor").arg("self", a).arg("other", b).out(clean));
  expect_values(values(clean), std::vector<double>(16, 3));
  PlantedBug bug("binary-partial-write");
  const Tensor buggy = out(DType::Float32, {16});
  run(CallBuilder("aten::add.Tensor").arg("self", a).arg("other", b).out(buggy));
  const std::vector<double> got = values(buggy);
  EXPECT_EQ(got[0], 3);
  EXPECT_TRUE(std::isnan(got[15])) << "the last eighth must stay as it was (poisoned)";
}

// racy-add: two adds in a row differ in their first element by (|v| + 1) /
// 512 (floats) or 1 (integers), whichever of the two gets the extra; other
// elements and other ops are left alone.
TEST_P(Elementwise, RacyAddBugDiffersBetweenTwoDispatches) {
  PlantedBug bug("racy-add");
  auto twice = [&](const char* op, DType dtype, const Tensor& a, const Tensor& b) {
    std::vector<std::vector<double>> runs;
    for (int i = 0; i < 2; ++i) {
      const Tensor result = out(dtype, {4});
      run(CallBuilder(op).arg("self", a).arg("other", b).out(result));
      runs.push_back(values(result));
    }
    return runs;
  };
  const auto floats =
      twice("aten::add.Tensor", DType::Float32, f32({4}, {1, 1, 1, 1}), f32({4}, {2, 2, 2, 2}));
  EXPECT_EQ(std::abs(floats[0][0] - floats[1][0]), 4.0 / 512);
  for (int k = 1; k < 4; ++k) EXPECT_TRUE(floats[0][k] == 3 && floats[1][k] == 3);
  const auto ints =
      twice("aten::add.Tensor", DType::Int64, i64({4}, {1, 1, 1, 1}), i64({4}, {1, 1, 1, 1}));
  EXPECT_EQ(std::abs(ints[0][0] - ints[1][0]), 1);
  const auto products =
      twice("aten::mul.Tensor", DType::Float32, f32({4}, {1, 1, 1, 1}), f32({4}, {2, 2, 2, 2}));
  EXPECT_EQ(products[0], products[1]);
}

TAPML_ON_EVERY_BACKEND(Elementwise);

}  // namespace
}  // namespace tapml::backends::testing
