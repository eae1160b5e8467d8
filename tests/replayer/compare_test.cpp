#include "replayer/compare.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "replayer/host_values.h"

namespace tapml::replay {
namespace {

template <typename T>
Comparison run(const std::vector<T>& actual, const std::vector<T>& expected, DType dtype,
               const Tolerance& tol, std::vector<int64_t> sizes = {}) {
  if (sizes.empty()) sizes = {static_cast<int64_t>(actual.size())};
  return compare(dtype, reinterpret_cast<const std::byte*>(actual.data()),
                 reinterpret_cast<const std::byte*>(expected.data()), sizes, tol);
}

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

TEST(Compare, IdenticalFloatsPassWithZeroError) {
  const std::vector<float> v = {1, -2, 3.5f, 0};
  const Comparison c = run(v, v, DType::Float32, Tolerance{});
  EXPECT_TRUE(c.passed);
  EXPECT_EQ(c.nmse, 0);
  EXPECT_EQ(c.max_abs, 0);
  EXPECT_TRUE(c.failure.empty());
}

TEST(Compare, NmseFollowsLlamaCppConvention) {
  const std::vector<float> expected = {1, 2, 3, 4};
  const std::vector<float> actual = {1, 2, 3, 5};
  const Comparison c = run(actual, expected, DType::Float32, Tolerance{false, 1, 10, 0});
  EXPECT_TRUE(c.passed);
  EXPECT_DOUBLE_EQ(c.nmse, 1.0 / 30.0);  // 1^2 / (1+4+9+16)
  EXPECT_DOUBLE_EQ(c.max_abs, 1.0);
  EXPECT_DOUBLE_EQ(c.max_rel, 0.25);
  EXPECT_EQ(c.worst_index, 3);
}

TEST(Compare, NmseOverBoundFailsAndNamesWorstElement) {
  const std::vector<float> expected = {1, 2, 3, 4, 5, 6};
  std::vector<float> actual = expected;
  actual[4] = 5.5f;
  const Comparison c = run(actual, expected, DType::Float32, Tolerance{}, {2, 3});
  EXPECT_FALSE(c.passed);
  EXPECT_EQ(c.worst_index, 4);
  EXPECT_FLOAT_EQ(static_cast<float>(c.worst_actual), 5.5f);
  EXPECT_FLOAT_EQ(static_cast<float>(c.worst_expected), 5.0f);
  EXPECT_EQ(c.mismatches, 1);
  EXPECT_NE(c.failure.find("[1, 1]"), std::string::npos) << c.failure;
  EXPECT_NE(c.failure.find("NMSE"), std::string::npos) << c.failure;
}

TEST(Compare, ElementwiseBoundCatchesOneBadElementUnderNmse) {
  std::vector<float> expected(10000, 1.0f);
  std::vector<float> actual = expected;
  actual[1234] = 1.01f;  // NMSE 1e-8: under 1e-7, but 1e-2 is far over atol + rtol
  const Comparison c = run(actual, expected, DType::Float32, Tolerance{});
  EXPECT_LT(c.nmse, 1e-7);
  EXPECT_FALSE(c.passed);
  EXPECT_EQ(c.worst_index, 1234);
}

TEST(Compare, NanWhereReferenceHasNumberFails) {
  const std::vector<float> expected = {1, 2, 3};
  const std::vector<float> actual = {1, kNaN, 3};
  const Comparison c = run(actual, expected, DType::Float32, Tolerance{false, 1e9, 1e9, 1e9});
  EXPECT_FALSE(c.passed);
  EXPECT_EQ(c.nonfinite_mismatches, 1);
  EXPECT_EQ(c.worst_index, 1);
  EXPECT_NE(c.failure.find("NaN"), std::string::npos);
}

TEST(Compare, NumberWhereReferenceHasNanFails) {
  const std::vector<float> expected = {1, kNaN};
  const std::vector<float> actual = {1, 0};
  EXPECT_FALSE(run(actual, expected, DType::Float32, Tolerance{}).passed);
}

TEST(Compare, MatchingNanAndInfPass) {
  const std::vector<float> v = {kNaN, kInf, -kInf, 2};
  std::vector<float> other = v;
  other[0] = -kNaN;  // any NaN meets any NaN
  EXPECT_TRUE(run(other, v, DType::Float32, Tolerance{}).passed);
}

TEST(Compare, InfOfOtherSignFails) {
  const std::vector<float> expected = {kInf};
  const std::vector<float> actual = {-kInf};
  EXPECT_FALSE(run(actual, expected, DType::Float32, Tolerance{}).passed);
}

TEST(Compare, IntegersMustMatchExactly) {
  const std::vector<int64_t> expected = {5, 7, 9};
  const std::vector<int64_t> actual = {5, 8, 9};
  Tolerance exact;
  exact.exact = true;
  const Comparison c = run(actual, expected, DType::Int64, exact);
  EXPECT_FALSE(c.passed);
  EXPECT_EQ(c.mismatches, 1);
  EXPECT_EQ(c.worst_index, 1);
  EXPECT_TRUE(run(expected, expected, DType::Int64, exact).passed);
}

TEST(Compare, BoolPoisonIsNeitherTrueNorFalse) {
  const std::vector<uint8_t> expected = {1, 0};
  const std::vector<uint8_t> actual = {1, 0xA5};
  Tolerance exact;
  exact.exact = true;
  EXPECT_FALSE(run(actual, expected, DType::Bool, exact).passed);
}

TEST(Compare, AllZeroReferenceUsesMeanSquaredError) {
  const std::vector<float> expected = {0, 0, 0, 0};
  const std::vector<float> actual = {0, 0, 0, 2e-4f};
  const Comparison c = run(actual, expected, DType::Float32, Tolerance{false, 1, 1, 0});
  EXPECT_NEAR(c.nmse, 1e-8, 1e-12);  // (2e-4)^2 / 4
}

TEST(Compare, HalfValuesAreDecoded) {
  // 1.0, -2.0, 65504 (max), smallest subnormal in float16.
  const std::vector<uint16_t> bits = {0x3C00, 0xC000, 0x7BFF, 0x0001};
  EXPECT_EQ(half_to_float(bits[0]), 1.0f);
  EXPECT_EQ(half_to_float(bits[1]), -2.0f);
  EXPECT_EQ(half_to_float(bits[2]), 65504.0f);
  EXPECT_FLOAT_EQ(half_to_float(bits[3]), std::ldexp(1.0f, -24));
  EXPECT_TRUE(std::isnan(half_to_float(0x7E00)));
  EXPECT_EQ(bfloat16_to_float(0x3F80), 1.0f);
  std::vector<uint16_t> off = bits;
  off[0] = 0x3C01;  // 1 + 2^-10
  const Comparison c = run(off, bits, DType::Float16, Tolerance{false, 1, 0, 0});
  EXPECT_FALSE(c.passed);
  EXPECT_NEAR(c.max_abs, std::ldexp(1.0, -10), 1e-12);
}

TEST(Compare, FlushedSubnormalsPassOnlyWhereTheTargetMayFlush) {
  // A result that should be subnormal came back as zero (flushed), under a
  // bound tighter than the subnormal; a normal value off by as much fails
  // either way.
  const std::vector<float> expected = {1.0f, std::ldexp(1.0f, -130), -std::ldexp(1.0f, -140)};
  const std::vector<float> flushed = {1.0f, 0.0f, -0.0f};
  Tolerance tight{false, 0, 0, 1e-6};
  EXPECT_FALSE(run(flushed, expected, DType::Float32, tight).passed);
  tight.flush_subnormals = true;
  EXPECT_TRUE(run(flushed, expected, DType::Float32, tight).passed);
  const std::vector<float> off = {1.0f + std::ldexp(1.0f, -10), 0.0f, 0.0f};
  EXPECT_FALSE(run(off, expected, DType::Float32, tight).passed);
  // float16's own subnormals (below 2^-14) flush too.
  const std::vector<uint16_t> half = {0x3C00, 0x0001};
  const std::vector<uint16_t> half_flushed = {0x3C00, 0x0000};
  EXPECT_TRUE(run(half_flushed, half, DType::Float16, tight).passed);
  tight.flush_subnormals = false;
  EXPECT_FALSE(run(half_flushed, half, DType::Float16, tight).passed);
}

TEST(Compare, FormatsIndicesAndNumbers) {
  EXPECT_EQ(format_index(17, {2, 3, 4}), "[1, 1, 1]");
  EXPECT_EQ(format_index(0, {}), "[]");
  EXPECT_EQ(format_number(std::nan("")), "nan");
  EXPECT_EQ(format_number(-kInf), "-inf");
  EXPECT_EQ(format_number(0.125), "0.125");
}

}  // namespace
}  // namespace tapml::replay
