#include "tests/backends/kernel_test_util.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>

namespace tapml::backends::testing {
namespace {

void write_element(std::vector<unsigned char>& bytes, DType dtype, int64_t index, double value) {
  unsigned char* p = bytes.data() + index * static_cast<int64_t>(dtype_size(dtype));
  auto put = [&](auto v) { std::memcpy(p, &v, sizeof v); };
  switch (dtype) {
    case DType::Float32: return put(static_cast<float>(value));
    case DType::Float64: return put(value);
    case DType::Int64: return put(static_cast<int64_t>(value));
    case DType::Int32: return put(static_cast<int32_t>(value));
    case DType::Int16: return put(static_cast<int16_t>(value));
    case DType::Int8: return put(static_cast<int8_t>(value));
    case DType::UInt8: return put(static_cast<uint8_t>(value));
    case DType::Bool: return put(static_cast<uint8_t>(value != 0));
    default: throw BackendError("test: unsupported dtype");
  }
}

double read_element(const std::vector<unsigned char>& bytes, DType dtype, int64_t index) {
  const unsigned char* p = bytes.data() + index * static_cast<int64_t>(dtype_size(dtype));
  auto get = [&](auto v) {
    std::memcpy(&v, p, sizeof v);
    return static_cast<double>(v);
  };
  switch (dtype) {
    case DType::Float32: return get(float{});
    case DType::Float64: return get(double{});
    case DType::Int64: return get(int64_t{});
    case DType::Int32: return get(int32_t{});
    case DType::Int16: return get(int16_t{});
    case DType::Int8: return get(int8_t{});
    case DType::UInt8: return get(uint8_t{});
    case DType::Bool: return get(uint8_t{});
    default: throw BackendError("test: unsupported dtype");
  }
}

// Element offsets of a view's elements in row-major order.
std::vector<int64_t> element_offsets(const Tensor& t) {
  std::vector<int64_t> offsets;
  const int64_t n = t.numel();
  for (int64_t i = 0; i < n; ++i) {
    int64_t offset = t.offset;
    for (int64_t d = t.rank() - 1, rest = i; d >= 0; --d) {
      offset += (rest % t.sizes[d]) * t.strides[d];
      rest /= t.sizes[d];
    }
    offsets.push_back(offset);
  }
  return offsets;
}

// The strides and offset of `layout`, and the buffer length it needs.
Tensor layout_view(DType dtype, const std::vector<int64_t>& sizes, Layout layout,
                   int64_t* elements) {
  Tensor t;
  t.dtype = dtype;
  t.sizes = sizes;
  const auto rank = static_cast<int64_t>(sizes.size());
  std::vector<int64_t> storage_sizes = sizes;
  std::vector<int64_t> order(sizes.size());
  std::iota(order.begin(), order.end(), 0);
  if (layout == Layout::Transposed && rank >= 2) std::swap(order[rank - 1], order[rank - 2]);
  if (layout == Layout::Sliced) {
    for (int64_t& size : storage_sizes) size += 1;
  }
  // Strides of the memory order, then mapped back to the logical dims.
  t.strides.assign(sizes.size(), 0);
  int64_t stride = 1;
  for (int64_t i = rank - 1; i >= 0; --i) {
    t.strides[order[i]] = stride;
    stride *= storage_sizes[order[i]];
  }
  t.offset = layout == Layout::Sliced ? 1 : 0;
  *elements = stride + t.offset;
  return t;
}

}  // namespace

Tensor make_tensor(Device& device, DType dtype, const std::vector<int64_t>& sizes,
                   const std::vector<double>& values, Layout layout) {
  int64_t elements = 0;
  Tensor t = layout_view(dtype, sizes, layout, &elements);
  if (static_cast<int64_t>(values.size()) != t.numel()) throw BackendError("test: value count");
  std::vector<unsigned char> bytes(static_cast<size_t>(elements) * dtype_size(dtype));
  const double poison = dtype_is_floating(dtype) ? std::numeric_limits<double>::quiet_NaN() : -7777;
  for (int64_t i = 0; i < elements; ++i) write_element(bytes, dtype, i, dtype == DType::Bool ? 0 : poison);
  const std::vector<int64_t> offsets = element_offsets(t);
  for (size_t i = 0; i < values.size(); ++i) write_element(bytes, dtype, offsets[i], values[i]);
  t.buffer = device.alloc(bytes.size());
  device.upload(*t.buffer, bytes.data(), bytes.size());
  return t;
}

Tensor make_output(Device& device, DType dtype, const std::vector<int64_t>& sizes, Layout layout) {
  int64_t count = 1;
  for (int64_t size : sizes) count *= size;
  const double poison = dtype_is_floating(dtype) ? std::numeric_limits<double>::quiet_NaN() : -7777;
  return make_tensor(device, dtype, sizes, std::vector<double>(static_cast<size_t>(count), poison),
                     layout);
}

std::vector<double> read_values(Device& device, const Tensor& t) {
  std::vector<unsigned char> bytes(t.buffer->size());
  device.finish();
  device.download(*t.buffer, bytes.data(), bytes.size());
  std::vector<double> values;
  for (int64_t offset : element_offsets(t)) values.push_back(read_element(bytes, t.dtype, offset));
  return values;
}

void run_call(const Backend& backend, Device& device, const KernelCall& call) {
  std::string why;
  const Kernel* kernel = backend.kernels().select(call, &why);
  if (!kernel) throw BackendError(call.op + " unsupported: " + why);
  kernel->run(device, call);
  device.finish();
}

std::vector<std::string> available_backends() {
  std::vector<std::string> names;
  for (const std::string& name : backend_names()) {
    try {
      if (!find_backend(name)->devices().empty()) names.push_back(name);
    } catch (const BackendError&) {
      // The platform is missing here (no driver): nothing to test on it.
    }
  }
  return names;
}

}  // namespace tapml::backends::testing
