// Softmax, layer norm, embedding, index_select, advanced indexing and isin
// against hand-computed values.
#include <cmath>

#include "tests/backends/kernel_fixture.h"

namespace tapml::backends::testing {
namespace {

using Rows = KernelTest;

std::vector<double> softmax_of(const std::vector<double>& x) {
  double sum = 0;
  for (double v : x) sum += std::exp(v);
  std::vector<double> y;
  for (double v : x) y.push_back(std::exp(v) / sum);
  return y;
}

TEST_P(Rows, SoftmaxAlongEitherDimOfATransposedInput) {
  // [[0, 1], [2, 4]] stored transposed.
  const Tensor self = f32({2, 2}, {0, 1, 2, 4}, Layout::Transposed);
  const Tensor last = out(DType::Float32, {2, 2});
  run(CallBuilder("aten::_softmax").arg("self", self).arg("dim", int64_t{-1}).arg("half_to_float", false).out(last));
  std::vector<double> expected = softmax_of({0, 1});
  for (double v : softmax_of({2, 4})) expected.push_back(v);
  expect_values(values(last), expected);
  const Tensor first = out(DType::Float32, {2, 2});
  run(CallBuilder("aten::softmax.int").arg("self", self).arg("dim", int64_t{0}).arg("dtype", Value{}).out(first));
  const std::vector<double> c0 = softmax_of({0, 2}), c1 = softmax_of({1, 4});
  expect_values(values(first), {c0[0], c1[0], c0[1], c1[1]});
  const Tensor log = out(DType::Float32, {2, 2});
  run(CallBuilder("aten::log_softmax.int").arg("self", self).arg("dim", int64_t{1}).arg("dtype", Value{}).out(log));
  std::vector<double> logs;
  for (double v : expected) logs.push_back(std::log(v));
  expect_values(values(log), logs);
}

TEST_P(Rows, LayerNormWithStatistics) {
  // Rows [1, 2, 3] and [2, 4, 6]: means 2 and 4, variances 2/3 and 8/3.
  const Tensor input = f32({2, 3}, {1, 2, 3, 2, 4, 6}, Layout::Sliced);
  const Tensor weight = f32({3}, {1, 2, 1});
  const Tensor bias = f32({3}, {0, 0, 1});
  const Tensor result = out(DType::Float32, {2, 3});
  const Tensor mean = out(DType::Float32, {2, 1});
  const Tensor rstd = out(DType::Float32, {2, 1});
  const double eps = 1e-5;
  run(CallBuilder("aten::native_layer_norm").arg("input", input).arg("normalized_shape", std::vector<int64_t>{3}).arg("weight", weight).arg("bias", bias).arg("eps", eps).out(result).out(mean).out(rstd));
  const double r0 = 1 / std::sqrt(2.0 / 3 + eps), r1 = 1 / std::sqrt(8.0 / 3 + eps);
  expect_values(values(result), {-r0, 0, r0 + 1, -2 * r1, 0, 2 * r1 + 1});
  expect_values(values(mean), {2, 4});
  expect_values(values(rstd), {r0, r1});
  // The planted bug puts eps outside the square root.
  PlantedBug bug("layer-norm-wrong-eps");
  const Tensor buggy = out(DType::Float32, {2, 3});
  run(CallBuilder("aten::layer_norm").arg("input", input).arg("normalized_shape", std::vector<int64_t>{3}).arg("weight", Value{}).arg("bias", Value{}).arg("eps", 0.5).arg("cudnn_enable", false).out(buggy));
  const double wrong = 1 / (std::sqrt(2.0 / 3) + 0.5);
  EXPECT_NEAR(values(buggy)[0], -wrong, 1e-5);
}

TEST_P(Rows, EmbeddingGathersRows) {
  const Tensor weight = f32({3, 2}, {0, 1, 10, 11, 20, 21}, Layout::Transposed);
  const Tensor indices = i64({2, 2}, {2, 0, 1, 2});
  const Tensor result = out(DType::Float32, {2, 2, 2});
  run(CallBuilder("aten::embedding").arg("weight", weight).arg("indices", indices).arg("padding_idx", int64_t{-1}).arg("scale_grad_by_freq", false).arg("sparse", false).out(result));
  expect_values(values(result), {20, 21, 0, 1, 10, 11, 20, 21});
}

TEST_P(Rows, IndexSelectAlongAMiddleDim) {
  // self [2, 3, 2]: element (i, j, k) = 100 i + 10 j + k.
  std::vector<double> x;
  for (int i = 0; i < 2; ++i) for (int j = 0; j < 3; ++j) for (int k = 0; k < 2; ++k) x.push_back(100 * i + 10 * j + k);
  const Tensor self = f32({2, 3, 2}, x, Layout::Sliced);
  const Tensor result = out(DType::Float32, {2, 2, 2});
  run(CallBuilder("aten::index_select").arg("self", self).arg("dim", int64_t{1}).arg("index", i64({2}, {2, 0})).out(result));
  expect_values(values(result), {20, 21, 0, 1, 120, 121, 100, 101});
}

TEST_P(Rows, AdvancedIndexWithBroadcastIntAndBoolIndices) {
  // MiniLM's mask construction: self[i[:, None], j[None, :]] with broadcast indices.
  const Tensor self = in(DType::Bool, {2, 3}, {1, 0, 1, 0, 1, 1});
  const Tensor rows = i64({2, 1}, {1, 0});
  const Tensor cols = i64({1, 3}, {2, 1, 0});
  const Tensor result = out(DType::Bool, {2, 3});
  run(CallBuilder("aten::index.Tensor").arg("self", self).arg("indices", std::vector<std::optional<Tensor>>{rows, cols}).out(result));
  expect_values(values(result), {1, 1, 0, 1, 0, 1}, 0);
  // A None then an index: the gathered dim stays in place.
  const Tensor floats = f32({2, 3}, {1, 2, 3, 4, 5, 6});
  const Tensor picked = out(DType::Float32, {2, 2});
  run(CallBuilder("aten::index.Tensor").arg("self", floats).arg("indices", std::vector<std::optional<Tensor>>{std::nullopt, i64({2}, {-1, 0})}).out(picked));
  expect_values(values(picked), {3, 1, 6, 4});
  // A bool mask selects rows.
  const Tensor selected = out(DType::Float32, {1, 3});
  run(CallBuilder("aten::index.Tensor").arg("self", floats).arg("indices", std::vector<std::optional<Tensor>>{in(DType::Bool, {2}, {0, 1})}).out(selected));
  expect_values(values(selected), {4, 5, 6});
}

TEST_P(Rows, IsinWithTensorAndScalarTests) {
  const Tensor elements = i64({1, 4}, {3, 7, 0, 7});
  const Tensor found = out(DType::Bool, {1, 4});
  run(CallBuilder("aten::isin.Tensor_Tensor").arg("elements", elements).arg("test_elements", i64({2}, {7, 0})).arg("assume_unique", false).arg("invert", false).out(found));
  expect_values(values(found), {0, 1, 1, 1}, 0);
  const Tensor missing = out(DType::Bool, {1, 4});
  run(CallBuilder("aten::isin.Tensor_Tensor").arg("elements", elements).arg("test_elements", i64({}, {7})).arg("assume_unique", false).arg("invert", true).out(missing));
  expect_values(values(missing), {1, 0, 1, 0}, 0);
}

TAPML_ON_EVERY_BACKEND(Rows);

}  // namespace
}  // namespace tapml::backends::testing
