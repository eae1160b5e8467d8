// Copies, cat/stack, factories, triu/tril and attention against
// hand-computed values.
#include <cmath>

#include "tests/backends/kernel_fixture.h"

namespace tapml::backends::testing {
namespace {

using Shape = KernelTest;

TEST_P(Shape, CopyCastsAndBroadcastsIntoAStridedView) {
  const Tensor self = f32({2, 2}, {9, 9, 9, 9}, Layout::Transposed);
  run(CallBuilder("aten::copy_").arg("self", self).arg("src", i64({2}, {1, 2})).arg("non_blocking", false).out(self));
  expect_values(values(self), {1, 2, 1, 2});
  const Tensor converted = out(DType::Float32, {3});
  run(CallBuilder("aten::_to_copy").arg("self", i64({3}, {-1, 0, 5}, Layout::Sliced)).arg("dtype", DType::Float32).out(converted));
  expect_values(values(converted), {-1, 0, 5});
  const Tensor cloned = out(DType::Float32, {2, 2});
  run(CallBuilder("aten::clone").arg("self", f32({2, 2}, {1, 2, 3, 4}, Layout::Transposed)).arg("memory_format", Value{}).out(cloned));
  expect_values(values(cloned), {1, 2, 3, 4});
  const Tensor dropped = out(DType::Float32, {2});
  run(CallBuilder("aten::dropout").arg("input", f32({2}, {1, 2})).arg("p", 0.1).arg("train", false).out(dropped));
  expect_values(values(dropped), {1, 2});
  EXPECT_FALSE(supported(CallBuilder("aten::dropout").arg("input", f32({2}, {1, 2})).arg("p", 0.1).arg("train", true).out(dropped)));
}

TEST_P(Shape, CatAndStack) {
  const Tensor a = f32({2, 1}, {1, 2});
  const Tensor b = f32({2, 2}, {3, 4, 5, 6}, Layout::Transposed);
  const Tensor joined = out(DType::Float32, {2, 3});
  run(CallBuilder("aten::cat").arg("tensors", std::vector<std::optional<Tensor>>{a, b, f32({0}, {})}).arg("dim", int64_t{-1}).out(joined));
  expect_values(values(joined), {1, 3, 4, 2, 5, 6});
  const Tensor stacked = out(DType::Float32, {2, 2});
  run(CallBuilder("aten::stack").arg("tensors", std::vector<std::optional<Tensor>>{f32({2}, {1, 2}), f32({2}, {3, 4})}).arg("dim", int64_t{1}).out(stacked));
  expect_values(values(stacked), {1, 3, 2, 4});
}

TEST_P(Shape, Factories) {
  const Tensor range = out(DType::Float32, {4});
  run(CallBuilder("aten::arange.start_step").arg("start", int64_t{0}).arg("end", int64_t{8}).arg("step", int64_t{2}).arg("dtype", DType::Float32).out(range));
  expect_values(values(range), {0, 2, 4, 6});
  const Tensor ids = out(DType::Int64, {3});
  run(CallBuilder("aten::arange").arg("end", int64_t{3}).out(ids));
  expect_values(values(ids), {0, 1, 2}, 0);
  const Tensor full = out(DType::Bool, {2});
  run(CallBuilder("aten::full").arg("size", std::vector<int64_t>{2}).arg("fill_value", true).out(full));
  expect_values(values(full), {1, 1}, 0);
  const Tensor ones = out(DType::Float32, {2, 2}, Layout::Sliced);
  run(CallBuilder("aten::ones").arg("size", std::vector<int64_t>{2, 2}).out(ones));
  expect_values(values(ones), {1, 1, 1, 1});
  const Tensor scalar = out(DType::Float32, {});
  run(CallBuilder("aten::scalar_tensor").arg("s", -INFINITY).out(scalar));
  expect_values(values(scalar), {-INFINITY});
  const Tensor filled = f32({3}, {1, 2, 3});
  run(CallBuilder("aten::fill_.Scalar").arg("self", filled).arg("value", int64_t{7}).out(filled));
  expect_values(values(filled), {7, 7, 7});
  run(CallBuilder("aten::zero_").arg("self", filled).out(filled));
  expect_values(values(filled), {0, 0, 0});
}

TEST_P(Shape, TriuAndTril) {
  const Tensor self = f32({2, 3}, {1, 2, 3, 4, 5, 6});
  const Tensor upper = out(DType::Float32, {2, 3});
  run(CallBuilder("aten::triu").arg("self", self).arg("diagonal", int64_t{1}).out(upper));
  expect_values(values(upper), {0, 2, 3, 0, 0, 6});
  const Tensor lower = out(DType::Float32, {2, 3});
  run(CallBuilder("aten::tril").arg("self", self).arg("diagonal", int64_t{0}).out(lower));
  expect_values(values(lower), {1, 0, 0, 4, 5, 0});
}

// One query against two keys: weights softmax(scale * q.k).
TEST_P(Shape, AttentionWithMasksCausalityAndGroupedHeads) {
  // q [1, 2 heads, 2 queries, 1], k and v [1, 1 kv head, 2 keys, 1]: grouped-query attention.
  const Tensor q = f32({1, 2, 2, 1}, {1, 2, 0, -1});
  const Tensor k = f32({1, 1, 2, 1}, {1, -1});
  const Tensor v = f32({1, 1, 2, 1}, {10, 20});
  auto mix = [](double q_value, bool only_first) {
    if (only_first) return 10.0;
    const double a = std::exp(q_value), b = std::exp(-q_value);
    return (10 * a + 20 * b) / (a + b);
  };
  const Tensor full = out(DType::Float32, {1, 2, 2, 1});
  run(CallBuilder("aten::scaled_dot_product_attention").arg("query", q).arg("key", k).arg("value", v).arg("attn_mask", Value{}).arg("dropout_p", 0.0).arg("is_causal", false).arg("scale", 1.0).arg("enable_gqa", true).out(full));
  expect_values(values(full), {mix(1, false), mix(2, false), mix(0, false), mix(-1, false)});
  const Tensor causal = out(DType::Float32, {1, 2, 2, 1});
  const Tensor lse = out(DType::Float32, {1, 2, 2});
  run(CallBuilder("aten::_scaled_dot_product_flash_attention_for_cpu").arg("query", q).arg("key", k).arg("value", v).arg("dropout_p", 0.0).arg("is_causal", true).arg("attn_mask", Value{}).arg("scale", 1.0).out(causal).out(lse));
  expect_values(values(causal), {mix(1, true), mix(2, false), mix(0, true), mix(-1, false)});
  expect_values(values(lse), {1, std::log(std::exp(2.0) + std::exp(-2.0)), 0, std::log(std::exp(-1.0) + std::exp(1.0))});
  // A bool mask hiding the second key, broadcast over heads and queries.
  const Tensor masked = out(DType::Float32, {1, 2, 2, 1});
  run(CallBuilder("aten::scaled_dot_product_attention").arg("query", q).arg("key", k).arg("value", v).arg("attn_mask", in(DType::Bool, {1, 1, 1, 2}, {1, 0})).arg("dropout_p", 0.0).arg("is_causal", false).arg("scale", Value{}).arg("enable_gqa", true).out(masked));
  expect_values(values(masked), {10, 10, 10, 10});
}

TAPML_ON_EVERY_BACKEND(Shape);

}  // namespace
}  // namespace tapml::backends::testing
