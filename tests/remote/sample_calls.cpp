#include "tests/remote/sample_calls.h"

#include <cstring>
#include <limits>
#include <stdexcept>

namespace tapml::remote::testing {

using backends::Device;
using backends::KernelCall;
using backends::Tensor;

Tensor make_tensor(Device& device, std::vector<int64_t> sizes, std::vector<int64_t> strides,
                   const std::vector<float>& values, DType dtype) {
  Tensor t;
  t.dtype = dtype;
  t.sizes = std::move(sizes);
  t.strides = strides.empty() ? backends::contiguous_strides(t.sizes) : std::move(strides);
  t.buffer = device.alloc(values.size() * sizeof(float));
  device.upload(*t.buffer, values.data(), values.size() * sizeof(float));
  return t;
}

Tensor make_output(Device& device, std::vector<int64_t> sizes) {
  int64_t n = 1;
  for (int64_t size : sizes) n *= size;
  std::vector<float> poison(static_cast<size_t>(n), std::numeric_limits<float>::quiet_NaN());
  return make_tensor(device, std::move(sizes), {}, poison);
}

std::vector<float> read_back(Device& device, const Tensor& t) {
  std::vector<float> values(t.buffer->size() / sizeof(float));
  device.download(*t.buffer, values.data(), t.buffer->size());
  return values;
}

std::vector<float> iota(size_t n, float scale) {
  std::vector<float> values(n);
  for (size_t i = 0; i < n; ++i) values[i] = scale * static_cast<float>(i) - 1.5f;
  return values;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// Calls that need strides, scalars (an infinite one included) and in-order
// execution.
std::vector<std::vector<float>> run_sample_calls(const backends::Backend& backend) {
  std::unique_ptr<Device> device = backend.open(0);
  std::vector<std::vector<float>> results;
  auto run = [&](KernelCall call) {
    std::string why;
    const backends::Kernel* kernel = backend.kernels().select(call, &why);
    if (!kernel) throw std::runtime_error(call.op + " unsupported: " + why);
    kernel->run(*device, call);
    device->finish();
    results.push_back(read_back(*device, call.outputs[0]));
  };
  // mm of a transposed view: self is [3, 4] seen through a [4, 3] buffer.
  Tensor self = make_tensor(*device, {3, 4}, {1, 3}, iota(12, 0.25f));
  Tensor mat2 = make_tensor(*device, {4, 5}, {}, iota(20, 0.5f));
  run({"aten::mm", {{"self", self}, {"mat2", mat2}}, {make_output(*device, {3, 5})}, ""});
  Tensor a = make_tensor(*device, {2, 6}, {}, iota(12, 1.0f));
  Tensor b = make_tensor(*device, {2, 6}, {}, iota(12, -0.75f));
  run({"aten::add.Tensor",
       {{"self", a}, {"other", b}, {"alpha", 0.5}},
       {make_output(*device, {2, 6})},
       ""});
  std::vector<float> mask_bytes(3, 0.0f);
  const uint8_t flags[12] = {1, 0, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0};
  std::memcpy(mask_bytes.data(), flags, sizeof flags);
  Tensor mask = make_tensor(*device, {2, 6}, {}, mask_bytes, DType::Bool);
  run({"aten::masked_fill.Scalar",
       {{"self", a}, {"mask", mask}, {"value", -std::numeric_limits<double>::infinity()}},
       {make_output(*device, {2, 6})},
       ""});
  Tensor logits = make_tensor(*device, {2, 6}, {}, iota(12, 0.3f));
  run({"aten::_softmax",
       {{"self", logits}, {"dim", int64_t{-1}}, {"half_to_float", false}},
       {make_output(*device, {2, 6})},
       ""});
  return results;
}

}  // namespace tapml::remote::testing
