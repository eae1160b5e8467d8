// Vulkan matmul at the shapes a replay of SmolLM2 runs most: a linear layer
// over a prompt (M tokens x 576 -> 1536) and the LM head over one token
// (1 x 576 -> 49152), weights transposed as aten::linear passes them.
// Reports GFLOP/s. Run: build/bin/tapml_vulkan_bench [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include <memory>
#include <optional>
#include <random>
#include <vector>

#include "backends/primitives.h"
#include "backends/vulkan/vulkan_backend.h"

namespace tapml::backends {
namespace {

Tensor filled(Device& device, std::vector<int64_t> sizes, std::vector<int64_t> strides) {
  Tensor t;
  t.sizes = std::move(sizes);
  t.strides = std::move(strides);
  std::vector<float> values(static_cast<size_t>(t.numel()));
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> uniform(-1, 1);
  for (float& v : values) v = uniform(rng);
  t.buffer = device.alloc(values.size() * sizeof(float));
  device.upload(*t.buffer, values.data(), values.size() * sizeof(float), 0);
  return t;
}

// args: M, K, N
void BM_VulkanMatmulLinear(benchmark::State& state) {
  int64_t m = state.range(0);
  int64_t k = state.range(1);
  int64_t n = state.range(2);
  std::unique_ptr<Device> device = vulkan_backend().open(0);
  Tensor a = filled(*device, {1, m, k}, {m * k, k, 1});
  Tensor w = filled(*device, {1, k, n}, {k * n, 1, k});  // weight [N, K], transposed
  Tensor out = filled(*device, {1, m, n}, {m * n, n, 1});
  Primitives& p = device->primitives();
  p.matmul(a, w, std::nullopt, out, 1, 0);  // compiles the pipeline
  device->finish();
  for (auto _ : state) {
    p.matmul(a, w, std::nullopt, out, 1, 0);
    device->finish();
  }
  state.counters["GFLOP/s"] = benchmark::Counter(
      2.0 * static_cast<double>(m * k * n) * static_cast<double>(state.iterations()) / 1e9,
      benchmark::Counter::kIsRate);
}
BENCHMARK(BM_VulkanMatmulLinear)
    ->Args({32, 576, 1536})
    ->Args({1, 576, 49152})
    ->Args({1, 576, 1536})
    ->Args({128, 576, 576})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// Elementwise copy of `n` floats: the memory-bound baseline.
void BM_VulkanCopy(benchmark::State& state) {
  int64_t n = state.range(0);
  std::unique_ptr<Device> device = vulkan_backend().open(0);
  Tensor in = filled(*device, {n}, {1});
  Tensor out = filled(*device, {n}, {1});
  Primitives& p = device->primitives();
  p.unary(UnaryOp::Copy, in, out, {});
  device->finish();
  for (auto _ : state) {
    p.unary(UnaryOp::Copy, in, out, {});
    device->finish();
  }
  state.counters["GB/s"] = benchmark::Counter(
      8.0 * static_cast<double>(n) * static_cast<double>(state.iterations()) / 1e9,
      benchmark::Counter::kIsRate);
}
BENCHMARK(BM_VulkanCopy)->Arg(1 << 24)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace tapml::backends

BENCHMARK_MAIN();
