// Matrix products against hand-computed values: transposed weights (as
// linear and mm see them), bias broadcast, batches, 1-d operands.
#include "tests/backends/kernel_fixture.h"

namespace tapml::backends::testing {
namespace {

using Matmul = KernelTest;

// a = [[1, 2], [3, 4], [5, 6]] (3x2), w = [[1, 0, -1], [2, 1, 0]] (2x3);
// a @ w = [[5, 2, -1], [11, 4, -3], [17, 6, -5]].
const std::vector<double> kA = {1, 2, 3, 4, 5, 6};
const std::vector<double> kW = {1, 0, -1, 2, 1, 0};
const std::vector<double> kProduct = {5, 2, -1, 11, 4, -3, 17, 6, -5};

TEST_P(Matmul, MmWithATransposedWeight) {
  const Tensor result = out(DType::Float32, {3, 3});
  run(CallBuilder("aten::mm").arg("self", f32({3, 2}, kA)).arg("mat2", f32({2, 3}, kW, Layout::Transposed)).out(result));
  expect_values(values(result), kProduct);
}

TEST_P(Matmul, AddmmScalesAndBroadcastsTheBias) {
  const Tensor result = out(DType::Float32, {3, 3}, Layout::Transposed);
  run(CallBuilder("aten::addmm").arg("self", f32({3}, {1, 2, 3})).arg("mat1", f32({3, 2}, kA, Layout::Sliced)).arg("mat2", f32({2, 3}, kW)).arg("beta", 2.0).arg("alpha", int64_t{1}).out(result));
  expect_values(values(result), {7, 6, 5, 13, 8, 3, 19, 10, 1});
}

TEST_P(Matmul, LinearFoldsLeadingDimsAndAddsTheBias) {
  // weight is [out_features=3, in_features=2] = w transposed.
  const Tensor input = f32({1, 3, 2}, kA);
  const Tensor weight = f32({3, 2}, {1, 2, 0, 1, -1, 0});
  const Tensor result = out(DType::Float32, {1, 3, 3});
  run(CallBuilder("aten::linear").arg("input", input).arg("weight", weight).arg("bias", f32({3}, {0, 0, 1})).out(result));
  expect_values(values(result), {5, 2, 0, 11, 4, -2, 17, 6, -4});
  const Tensor no_bias = out(DType::Float32, {3, 1, 3});
  run(CallBuilder("aten::linear").arg("input", f32({3, 1, 2}, kA, Layout::Sliced)).arg("weight", weight).arg("bias", Value{}).out(no_bias));
  expect_values(values(no_bias), kProduct);
}

TEST_P(Matmul, BmmAndBroadcastMatmul) {
  // Batch 0: a @ w; batch 1: a @ (2 w).
  std::vector<double> w2 = kW;
  for (double v : kW) w2.push_back(2 * v);
  const Tensor batched = out(DType::Float32, {2, 3, 3});
  std::vector<double> a2 = kA;
  a2.insert(a2.end(), kA.begin(), kA.end());
  run(CallBuilder("aten::bmm").arg("self", f32({2, 3, 2}, a2)).arg("mat2", f32({2, 2, 3}, w2, Layout::Transposed)).out(batched));
  std::vector<double> expected = kProduct;
  for (double v : kProduct) expected.push_back(2 * v);
  expect_values(values(batched), expected);
  const Tensor broadcast = out(DType::Float32, {2, 3, 3});
  run(CallBuilder("aten::matmul").arg("self", f32({2, 3, 2}, a2)).arg("other", f32({2, 3}, kW)).out(broadcast));
  std::vector<double> twice = kProduct;
  twice.insert(twice.end(), kProduct.begin(), kProduct.end());
  expect_values(values(broadcast), twice);
}

TEST_P(Matmul, MatmulWithVectors) {
  const Tensor dot = out(DType::Float32, {});
  run(CallBuilder("aten::matmul").arg("self", f32({3}, {1, 2, 3})).arg("other", f32({3}, {4, 5, 6})).out(dot));
  expect_values(values(dot), {32});
  const Tensor row = out(DType::Float32, {3});
  run(CallBuilder("aten::matmul").arg("self", f32({2}, {1, 1})).arg("other", f32({2, 3}, kW)).out(row));
  expect_values(values(row), {3, 1, -1});
  const Tensor column = out(DType::Float32, {3});
  run(CallBuilder("aten::matmul").arg("self", f32({3, 2}, kA)).arg("other", f32({2}, {1, -1})).out(column));
  expect_values(values(column), {-1, -1, -1});
}

TEST_P(Matmul, IgnoredStrideBugBreaksTransposedWeights) {
  const Tensor weight = f32({2, 3}, kW, Layout::Transposed);
  auto product = [&] {
    const Tensor result = out(DType::Float32, {3, 3});
    run(CallBuilder("aten::mm").arg("self", f32({3, 2}, kA)).arg("mat2", weight).out(result));
    return values(result);
  };
  expect_values(product(), kProduct);
  PlantedBug bug("matmul-ignores-stride");
  EXPECT_NE(product(), kProduct);
}

TAPML_ON_EVERY_BACKEND(Matmul);

}  // namespace
}  // namespace tapml::backends::testing
