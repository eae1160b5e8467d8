// Reductions against hand-computed values: dim lists, keepdim, strided
// inputs, full reductions, values with indices, the reduce planted bugs.
#include <cmath>

#include "tests/backends/kernel_fixture.h"

namespace tapml::backends::testing {
namespace {

using Reduce = KernelTest;

// [[1, 2, 3], [4, 5, 6]] laid out as a slice of a bigger tensor.
const std::vector<double> kMatrix = {1, 2, 3, 4, 5, 6};

TEST_P(Reduce, SumOverDimsWithAndWithoutKeepdim) {
  const Tensor self = f32({2, 3}, kMatrix, Layout::Sliced);
  const Tensor rows = out(DType::Float32, {2, 1});
  run(CallBuilder("aten::sum.dim_IntList").arg("self", self).arg("dim", std::vector<int64_t>{-1}).arg("keepdim", true).arg("dtype", Value{}).out(rows));
  expect_values(values(rows), {6, 15});
  const Tensor cols = out(DType::Float32, {3});
  run(CallBuilder("aten::sum.dim_IntList").arg("self", self).arg("dim", std::vector<int64_t>{0}).arg("keepdim", false).arg("dtype", Value{}).out(cols));
  expect_values(values(cols), {5, 7, 9});
  const Tensor all = out(DType::Float32, {});
  run(CallBuilder("aten::sum").arg("self", self).arg("dtype", Value{}).out(all));
  expect_values(values(all), {21});
}

TEST_P(Reduce, SumOfIntegersAndBoolsIsInt64) {
  const Tensor flags = in(DType::Bool, {2, 3}, {1, 0, 1, 1, 1, 1});
  const Tensor count = out(DType::Int64, {2});
  run(CallBuilder("aten::sum.dim_IntList").arg("self", flags).arg("dim", std::vector<int64_t>{1}).arg("keepdim", false).arg("dtype", Value{}).out(count));
  expect_values(values(count), {2, 3}, 0);
}

TEST_P(Reduce, SumIntoAnOutTensorAsMeanDecomposes) {
  const Tensor self = f32({1, 2, 4}, {1, 2, 3, 4, 5, 6, 7, 8}, Layout::Transposed);
  const Tensor sums = out(DType::Float32, {1, 2, 1});
  run(CallBuilder("aten::sum.IntList_out").arg("self", self).arg("dim", std::vector<int64_t>{-1}).arg("keepdim", true).arg("dtype", Value{}).out(sums));
  expect_values(values(sums), {10, 26});
}

TEST_P(Reduce, MeanOverTheLastDimOfATransposedInput) {
  const Tensor self = f32({2, 3}, kMatrix, Layout::Transposed);
  const Tensor mean = out(DType::Float32, {2, 1});
  run(CallBuilder("aten::mean.dim").arg("self", self).arg("dim", std::vector<int64_t>{-1}).arg("keepdim", true).arg("dtype", Value{}).out(mean));
  expect_values(values(mean), {2, 5});
  const Tensor both = out(DType::Float32, {});
  run(CallBuilder("aten::mean.dim").arg("self", self).arg("dim", std::vector<int64_t>{0, 1}).arg("keepdim", false).arg("dtype", Value{}).out(both));
  expect_values(values(both), {3.5});
}

TEST_P(Reduce, MaxArgmaxAndAmax) {
  const Tensor self = f32({2, 3}, {3, 9, 9, -1, -5, -2}, Layout::Transposed);
  const Tensor values_out = out(DType::Float32, {2});
  const Tensor indices = out(DType::Int64, {2});
  run(CallBuilder("aten::max.dim").arg("self", self).arg("dim", int64_t{1}).arg("keepdim", false).out(values_out).out(indices));
  expect_values(values(values_out), {9, -1});
  expect_values(values(indices), {1, 0}, 0);  // the first maximum
  const Tensor argmax_all = out(DType::Int64, {});
  run(CallBuilder("aten::argmax").arg("self", self).arg("dim", Value{}).arg("keepdim", false).out(argmax_all));
  expect_values(values(argmax_all), {1}, 0);
  const Tensor argmax_last = out(DType::Int64, {1, 3});
  run(CallBuilder("aten::argmax").arg("self", f32({1, 2, 3}, {3, 9, 9, -1, -5, -2})).arg("dim", int64_t{-2}).arg("keepdim", false).out(argmax_last));
  expect_values(values(argmax_last), {0, 0, 0}, 0);
  const Tensor amax = out(DType::Float32, {1, 3});
  run(CallBuilder("aten::amax").arg("self", self).arg("dim", std::vector<int64_t>{0}).arg("keepdim", true).out(amax));
  expect_values(values(amax), {3, 9, 9});
  const Tensor ids = i64({3}, {4, -2, 11});
  const Tensor max_id = out(DType::Int64, {});
  run(CallBuilder("aten::max").arg("self", ids).out(max_id));
  expect_values(values(max_id), {11}, 0);
}

TEST_P(Reduce, AnyAndAll) {
  const Tensor flags = in(DType::Bool, {2, 3}, {0, 0, 0, 1, 1, 1});
  const Tensor any_rows = out(DType::Bool, {2});
  run(CallBuilder("aten::any.dim").arg("self", flags).arg("dim", int64_t{-1}).arg("keepdim", false).out(any_rows));
  expect_values(values(any_rows), {0, 1}, 0);
  const Tensor all = out(DType::Bool, {});
  run(CallBuilder("aten::all").arg("self", flags).out(all));
  expect_values(values(all), {0}, 0);
  const Tensor any = out(DType::Bool, {});
  run(CallBuilder("aten::any").arg("self", flags).out(any));
  expect_values(values(any), {1}, 0);
}

TEST_P(Reduce, VectorNormAndCumsum) {
  const Tensor self = f32({2, 2}, {3, 4, 0, -2});
  const Tensor norm = out(DType::Float32, {2, 1});
  run(CallBuilder("aten::linalg_vector_norm").arg("self", self).arg("ord", int64_t{2}).arg("dim", std::vector<int64_t>{-1}).arg("keepdim", true).arg("dtype", Value{}).out(norm));
  expect_values(values(norm), {5, 2});
  const Tensor ids = i64({1, 4}, {1, 1, 0, 1});
  const Tensor positions = out(DType::Int64, {1, 4});
  run(CallBuilder("aten::cumsum").arg("self", ids).arg("dim", int64_t{-1}).arg("dtype", Value{}).out(positions));
  expect_values(values(positions), {1, 2, 2, 3}, 0);
  const Tensor down = out(DType::Float32, {2, 2}, Layout::Transposed);
  run(CallBuilder("aten::cumsum").arg("self", self).arg("dim", int64_t{0}).arg("dtype", Value{}).out(down));
  expect_values(values(down), {3, 4, 3, 2});
}

TEST_P(Reduce, OffByOneBugDropsTheLastElement) {
  const Tensor self = f32({2, 4}, {1, 2, 3, 4, 5, 6, 7, 8});
  auto mean = [&] {
    const Tensor result = out(DType::Float32, {2});
    run(CallBuilder("aten::mean.dim").arg("self", self).arg("dim", std::vector<int64_t>{1}).arg("keepdim", false).arg("dtype", Value{}).out(result));
    return values(result);
  };
  expect_values(mean(), {2.5, 6.5});
  PlantedBug bug("reduce-off-by-one");
  expect_values(mean(), {1.5, 4.5});
}

TEST_P(Reduce, Fp16AccumulationBugLosesPrecisionOnLongRows) {
  // 4096 ones plus a small value per element: exact in fp32, lost in fp16
  // once the running sum passes 2048.
  const Tensor self = f32({1, 4096}, std::vector<double>(4096, 1.0));
  auto sum = [&] {
    const Tensor result = out(DType::Float32, {1});
    run(CallBuilder("aten::sum.dim_IntList").arg("self", self).arg("dim", std::vector<int64_t>{1}).arg("keepdim", false).arg("dtype", Value{}).out(result));
    return values(result)[0];
  };
  EXPECT_EQ(sum(), 4096);
  PlantedBug bug("sum-fp16-accumulate");
  EXPECT_NE(sum(), 4096);
}

TAPML_ON_EVERY_BACKEND(Reduce);

}  // namespace
}  // namespace tapml::backends::testing
