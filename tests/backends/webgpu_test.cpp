// The WebGPU device (backends/webgpu) on this machine's adapters (lavapipe
// through wgpu-native's Vulkan backend here): adapters listed with their
// limits, byte-exact transfers of ragged ranges over word-granular buffers,
// and each WGSL kernel written so far against the CPU backend's primitive
// on strided views of every dtype, whole output buffers compared (a kernel
// writing outside its view fails too). The int64 policy: a value outside
// int32's range is refused, never wrapped.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "backends/cpu/cpu_backend.h"
#include "backends/primitives.h"
#include "backends/webgpu/webgpu_device.h"
#include "store/dtype.h"

namespace tapml::backends {
namespace {

using webgpu::WebGpuDevice;

std::unique_ptr<WebGpuDevice> open_webgpu() {
  const std::vector<DeviceInfo> adapters = webgpu::adapters();
  if (adapters.empty()) return nullptr;
  return std::make_unique<WebGpuDevice>(0);
}

TEST(WebGpu, ListsAdaptersWithTheirLimits) {
  const std::vector<DeviceInfo> adapters = webgpu::adapters();
  ASSERT_FALSE(adapters.empty()) << "no WebGPU adapter (lavapipe should give one)";
  EXPECT_EQ(adapters[0].name.rfind("webgpu:0 ", 0), 0u) << adapters[0].name;
  auto device = open_webgpu();
  EXPECT_GE(device->max_view_bytes(), size_t{128} << 20) << "maxStorageBufferBindingSize";
  EXPECT_NE(device->max_view_bytes(), std::numeric_limits<size_t>::max());
}

TEST(WebGpu, RaggedTransfersAreByteExact) {
  auto device = open_webgpu();
  ASSERT_TRUE(device);
  const auto buffer = device->alloc(37);
  std::vector<uint8_t> all(37);
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<uint8_t>(i * 7 + 1);
  device->upload(*buffer, all.data(), all.size(), 0);
  const uint8_t patch[3] = {0xAA, 0xBB, 0xCC};
  device->upload(*buffer, patch, 3, 5);  // neither end on a word
  std::memcpy(all.data() + 5, patch, 3);
  std::vector<uint8_t> back(7);
  device->download(*buffer, back.data(), 7, 3);
  EXPECT_EQ(std::vector<uint8_t>(all.begin() + 3, all.begin() + 10), back);
  std::vector<uint8_t> whole(37);
  device->download(*buffer, whole.data(), 37, 0);
  EXPECT_EQ(all, whole);
}

// A strided view over a padded storage: sizes [3, 5], rows 7 apart, offset 2.
struct View {
  std::vector<int64_t> sizes{3, 5};
  std::vector<int64_t> strides;
  int64_t offset = 2;
  int64_t storage = 0;
};

View view(bool transposed) {
  View v;
  v.strides = transposed ? std::vector<int64_t>{1, 4} : std::vector<int64_t>{7, 1};
  v.storage = v.offset + (v.sizes[0] - 1) * v.strides[0] + (v.sizes[1] - 1) * v.strides[1] + 1;
  return v;
}

// Random element bytes of `dtype`: small integers and floats that every
// dtype holds exactly, so that a copy to any other is exact on both sides.
std::vector<std::byte> random_bytes(DType dtype, int64_t count, std::mt19937& rng) {
  std::uniform_int_distribution<int> pick(-100, 100);
  std::vector<std::byte> bytes(static_cast<size_t>(count) * dtype_size(dtype));
  for (int64_t i = 0; i < count; ++i) {
    const int v = dtype == DType::UInt8  ? (pick(rng) + 100)
                  : dtype == DType::Bool ? (pick(rng) & 1)
                                         : pick(rng);
    std::byte* at = bytes.data() + static_cast<size_t>(i) * dtype_size(dtype);
    switch (dtype) {
      case DType::Float32: {
        const float f = static_cast<float>(v) / 4;
        std::memcpy(at, &f, 4);
        break;
      }
      case DType::Float64: {
        const double d = static_cast<double>(v) / 4;
        std::memcpy(at, &d, 8);
        break;
      }
      case DType::Float16: {  // v/4 in binary16: exact for |v| <= 100
        const float f = static_cast<float>(v) / 4;
        uint32_t x;
        std::memcpy(&x, &f, 4);
        const uint16_t sign = (x >> 16) & 0x8000;
        uint16_t h = 0;
        if (v != 0) {
          const int e = static_cast<int>((x >> 23) & 0xff) - 127 + 15;
          h = static_cast<uint16_t>(sign | (e << 10) | ((x >> 13) & 0x3ff));
        }
        std::memcpy(at, &h, 2);
        break;
      }
      case DType::BFloat16: {
        const float f = static_cast<float>(v) / 4;
        uint32_t x;
        std::memcpy(&x, &f, 4);
        const uint16_t h = static_cast<uint16_t>(x >> 16);
        std::memcpy(at, &h, 2);
        break;
      }
      case DType::Int64: {
        const int64_t w = v;
        std::memcpy(at, &w, 8);
        break;
      }
      case DType::Int32: {
        const int32_t w = v;
        std::memcpy(at, &w, 4);
        break;
      }
      case DType::Int16: {
        const int16_t w = static_cast<int16_t>(v);
        std::memcpy(at, &w, 2);
        break;
      }
      default: {
        const uint8_t w = static_cast<uint8_t>(v);
        std::memcpy(at, &w, 1);
      }
    }
  }
  return bytes;
}

Tensor make(Device& device, DType dtype, const View& v, const std::vector<std::byte>& bytes) {
  Tensor t;
  t.dtype = dtype;
  t.sizes = v.sizes;
  t.strides = v.strides;
  t.offset = v.offset;
  t.buffer = device.alloc(bytes.size());
  device.upload(*t.buffer, bytes.data(), bytes.size(), 0);
  return t;
}

constexpr DType kDTypes[] = {DType::Float32, DType::Float64, DType::Float16, DType::BFloat16,
                             DType::Int64,   DType::Int32,   DType::Int16,   DType::Int8,
                             DType::UInt8,   DType::Bool};

TEST(WebGpu, CopyCastsEveryDtypePairLikeTheCpu) {
  auto gpu = open_webgpu();
  ASSERT_TRUE(gpu);
  auto cpu = cpu_backend().open(0);
  std::mt19937 rng(7);
  int checked = 0;
  for (DType from : kDTypes) {
    for (DType to : kDTypes) {
      const View in_view = view(/*transposed=*/true);
      const View out_view = view(/*transposed=*/false);
      const auto in_bytes = random_bytes(from, in_view.storage, rng);
      // The output's storage starts as a pattern: bytes outside the view must keep it.
      std::vector<std::byte> out_bytes(static_cast<size_t>(out_view.storage) * dtype_size(to));
      for (size_t i = 0; i < out_bytes.size(); ++i) out_bytes[i] = std::byte(0x5A ^ (i & 0xff));
      const Tensor gpu_in = make(*gpu, from, in_view, in_bytes);
      const Tensor gpu_out = make(*gpu, to, out_view, out_bytes);
      const Tensor cpu_in = make(*cpu, from, in_view, in_bytes);
      const Tensor cpu_out = make(*cpu, to, out_view, out_bytes);
      gpu->primitives().unary(UnaryOp::Copy, gpu_in, gpu_out, {});
      cpu->primitives().unary(UnaryOp::Copy, cpu_in, cpu_out, {});
      std::vector<std::byte> got(out_bytes.size()), want(out_bytes.size());
      gpu->download(*gpu_out.buffer, got.data(), got.size(), 0);
      cpu->download(*cpu_out.buffer, want.data(), want.size(), 0);
      EXPECT_EQ(got, want) << dtype_name(from) << " -> " << dtype_name(to);
      ++checked;
    }
  }
  EXPECT_EQ(checked, 100);
}

// Element `i` of a `dtype` storage as a double (the comparison's common ground).
double element(const std::vector<std::byte>& bytes, DType dtype, size_t i) {
  const std::byte* at = bytes.data() + i * dtype_size(dtype);
  auto read = [&](auto v) {
    std::memcpy(&v, at, sizeof(v));
    return v;
  };
  switch (dtype) {
    case DType::Float32:
      return read(float{});
    case DType::Float64:
      return read(double{});
    case DType::Float16:
    case DType::BFloat16: {
      const uint16_t h = read(uint16_t{});
      if (dtype == DType::BFloat16) {
        const uint32_t x = static_cast<uint32_t>(h) << 16;
        float f;
        std::memcpy(&f, &x, 4);
        return f;
      }
      const int e = (h >> 10) & 0x1f;
      const double m = h & 0x3ff;
      const double sign = (h & 0x8000) != 0 ? -1 : 1;
      if (e == 0x1f) return m != 0 ? NAN : sign * INFINITY;
      return sign * (e == 0 ? std::ldexp(m, -24) : std::ldexp(1024 + m, e - 25));
    }
    case DType::Int64:
      return static_cast<double>(read(int64_t{}));
    case DType::Int32:
      return read(int32_t{});
    case DType::Int16:
      return read(int16_t{});
    case DType::Int8:
      return read(int8_t{});
    default:
      return read(uint8_t{});
  }
}

// Runs `op` on both devices over operands of `in_dtypes` (strided views of
// random values) into a `to` output, and compares the whole output storage:
// inside the view within `rel` (NaN where NaN), outside it untouched.
void compare_with_cpu(
    const std::string& what, std::vector<DType> in_dtypes, DType to, double rel,
    const std::function<void(Primitives&, const std::vector<Tensor>&, const Tensor&)>& op,
    bool positive = false) {
  auto gpu = open_webgpu();
  ASSERT_TRUE(gpu);
  auto cpu = cpu_backend().open(0);
  std::mt19937 rng(static_cast<unsigned>(std::hash<std::string>{}(what)));
  std::vector<Tensor> gpu_in, cpu_in;
  bool transposed = true;
  for (DType dtype : in_dtypes) {
    const View v = view(transposed);
    transposed = !transposed;
    auto bytes = random_bytes(dtype, v.storage, rng);
    if (positive) {  // |x| + 1, for logs and roots
      for (int64_t i = 0; i < v.storage; ++i) {
        if (dtype == DType::Float32) {
          float f;
          std::memcpy(&f, bytes.data() + i * 4, 4);
          f = std::abs(f) + 1;
          std::memcpy(bytes.data() + i * 4, &f, 4);
        }
      }
    }
    gpu_in.push_back(make(*gpu, dtype, v, bytes));
    cpu_in.push_back(make(*cpu, dtype, v, bytes));
  }
  const View out_view = view(false);
  std::vector<std::byte> pattern(static_cast<size_t>(out_view.storage) * dtype_size(to));
  for (size_t i = 0; i < pattern.size(); ++i) pattern[i] = std::byte(0x5A ^ (i & 0xff));
  const Tensor gpu_out = make(*gpu, to, out_view, pattern);
  const Tensor cpu_out = make(*cpu, to, out_view, pattern);
  op(gpu->primitives(), gpu_in, gpu_out);
  op(cpu->primitives(), cpu_in, cpu_out);
  std::vector<std::byte> got(pattern.size()), want(pattern.size());
  gpu->download(*gpu_out.buffer, got.data(), got.size(), 0);
  cpu->download(*cpu_out.buffer, want.data(), want.size(), 0);
  for (int64_t i = 0; i < out_view.storage; ++i) {
    const double g = element(got, to, static_cast<size_t>(i));
    const double w = element(want, to, static_cast<size_t>(i));
    if (g == w) continue;  // infinities too
    if (std::isnan(w)) {
      EXPECT_TRUE(std::isnan(g)) << what << " element " << i << ": got " << g << ", want NaN";
    } else {
      EXPECT_LE(std::abs(g - w), rel * std::abs(w) + rel)
          << what << " element " << i << ": got " << g << ", want " << w;
    }
  }
}

TEST(WebGpu, UnaryOpsLikeTheCpu) {
  struct Case {
    UnaryOp op;
    const char* name;
    bool positive;
  };
  const Case cases[] = {{UnaryOp::Neg, "neg", false},
                        {UnaryOp::Abs, "abs", false},
                        {UnaryOp::Exp, "exp", false},
                        {UnaryOp::Log, "log", true},
                        {UnaryOp::Sqrt, "sqrt", true},
                        {UnaryOp::Rsqrt, "rsqrt", true},
                        {UnaryOp::Reciprocal, "recip", true},
                        {UnaryOp::Sin, "sin", false},
                        {UnaryOp::Cos, "cos", false},
                        {UnaryOp::Tanh, "tanh", false},
                        {UnaryOp::Sigmoid, "sigmoid", false},
                        {UnaryOp::Silu, "silu", false},
                        {UnaryOp::GeluErf, "gelu", false},
                        {UnaryOp::GeluTanh, "gelu_tanh", false},
                        {UnaryOp::Relu, "relu", false},
                        {UnaryOp::ClampMin, "clamp_min", false},
                        {UnaryOp::ClampMax, "clamp_max", false},
                        {UnaryOp::Clamp, "clamp", false},
                        {UnaryOp::PowScalar, "pow", false},
                        {UnaryOp::Expm1, "expm1", false},
                        {UnaryOp::Log1p, "log1p", true},
                        {UnaryOp::Softplus, "softplus", false}};
  for (const Case& c : cases) {
    for (DType out : {DType::Float32, DType::Float16}) {
      compare_with_cpu(
          std::string(c.name) + " to " + std::string(dtype_name(out)), {DType::Float32}, out,
          out == DType::Float32 ? 2e-6 : 2e-3,
          [&](Primitives& p, const std::vector<Tensor>& in, const Tensor& o) {
            p.unary(c.op, in[0], o, {-0.5, 1.5});
          },
          c.positive);
    }
  }
  for (UnaryOp op : {UnaryOp::Neg, UnaryOp::Abs, UnaryOp::Relu, UnaryOp::Clamp, UnaryOp::PowScalar,
                     UnaryOp::BitwiseNot}) {
    for (DType dtype : {DType::Int64, DType::Int32, DType::Int8, DType::Bool}) {
      if (dtype == DType::Bool && op != UnaryOp::BitwiseNot) continue;
      compare_with_cpu("int unary " + std::to_string(static_cast<int>(op)) + " " +
                           std::string(dtype_name(dtype)),
                       {dtype}, dtype, 0,
                       [&](Primitives& p, const std::vector<Tensor>& in, const Tensor& o) {
                         p.unary(op, in[0], o, {-3, 2});
                       });
    }
  }
  compare_with_cpu("fill", {DType::Float32}, DType::BFloat16, 0,
                   [](Primitives& p, const std::vector<Tensor>& in, const Tensor& o) {
                     p.unary(UnaryOp::Fill, in[0], o, {-1.25, 0});
                   });
}

TEST(WebGpu, BinaryWhereAndArangeLikeTheCpu) {
  for (int op = 0; op <= static_cast<int>(BinaryOp::LogicalOr); ++op) {
    const auto binary_op = static_cast<BinaryOp>(op);
    const bool bitwise = binary_op == BinaryOp::BitwiseAnd || binary_op == BinaryOp::BitwiseOr ||
                         binary_op == BinaryOp::BitwiseXor;
    if (!bitwise) {
      // pow is exp2(y log2 x) on both sides, with WGSL's exp2/log2 (a few ulp)
      compare_with_cpu("binary " + std::to_string(op) + " f32,bf16",
                       {DType::Float32, DType::BFloat16}, DType::Float32,
                       binary_op == BinaryOp::Pow ? 2e-5 : 2e-6,
                       [&](Primitives& p, const std::vector<Tensor>& in, const Tensor& o) {
                         p.binary(binary_op, in[0], in[1], o, 0.5);
                       });
    }
    const bool divides = binary_op == BinaryOp::Div || binary_op == BinaryOp::DivTrunc ||
                         binary_op == BinaryOp::DivFloor || binary_op == BinaryOp::Pow;
    if (!divides) {  // integer division by a random 0 and negative powers differ by design
      compare_with_cpu("binary " + std::to_string(op) + " i64,i32", {DType::Int64, DType::Int32},
                       DType::Int64, 0,
                       [&](Primitives& p, const std::vector<Tensor>& in, const Tensor& o) {
                         p.binary(binary_op, in[0], in[1], o, 2);
                       });
    }
  }
  compare_with_cpu("where", {DType::Bool, DType::Float16, DType::Float32}, DType::Float32, 0,
                   [](Primitives& p, const std::vector<Tensor>& in, const Tensor& o) {
                     p.where(in[0], in[1], in[2], o);
                   });
  compare_with_cpu("where int", {DType::UInt8, DType::Int64, DType::Int32}, DType::Int64, 0,
                   [](Primitives& p, const std::vector<Tensor>& in, const Tensor& o) {
                     p.where(in[0], in[1], in[2], o);
                   });
  auto gpu = open_webgpu();
  auto cpu = cpu_backend().open(0);
  for (DType dtype : {DType::Int64, DType::Float32, DType::BFloat16}) {
    std::vector<std::byte> zeros(20 * dtype_size(dtype));
    Tensor g = make(*gpu, dtype, View{{20}, {1}, 0, 20}, zeros);
    Tensor c = make(*cpu, dtype, View{{20}, {1}, 0, 20}, zeros);
    gpu->primitives().arange(-3, 2, g);
    cpu->primitives().arange(-3, 2, c);
    std::vector<std::byte> got(zeros.size()), want(zeros.size());
    gpu->download(*g.buffer, got.data(), got.size(), 0);
    cpu->download(*c.buffer, want.data(), want.size(), 0);
    EXPECT_EQ(got, want) << "arange " << dtype_name(dtype);
  }
}

TEST(WebGpu, Int64OutsideInt32IsRefusedNotWrapped) {
  auto gpu = open_webgpu();
  ASSERT_TRUE(gpu);
  const View v = view(false);
  std::vector<std::byte> big(static_cast<size_t>(v.storage) * 8);
  for (int64_t i = 0; i < v.storage; ++i) {
    const int64_t value = (int64_t{1} << 40) + i;
    std::memcpy(big.data() + i * 8, &value, 8);
  }
  const Tensor in = make(*gpu, DType::Int64, v, big);
  // int64 to int64: the words are copied as they are.
  const Tensor same = make(*gpu, DType::Int64, v, big);
  gpu->primitives().unary(UnaryOp::Copy, in, same, {});
  std::vector<std::byte> back(big.size());
  gpu->download(*same.buffer, back.data(), back.size(), 0);
  EXPECT_EQ(back, big);
  // int64 to int32 needs the value in 32 bits: refused with the reason.
  std::vector<std::byte> small(static_cast<size_t>(v.storage) * 4);
  const Tensor narrow = make(*gpu, DType::Int32, v, small);
  try {
    gpu->primitives().unary(UnaryOp::Copy, in, narrow, {});
    FAIL() << "an int64 beyond int32 was wrapped";
  } catch (const BackendError& e) {
    EXPECT_NE(std::string(e.what()).find("outside int32's range"), std::string::npos) << e.what();
  }
}

TEST(WebGpu, AMissingPrimitiveSaysWhich) {
  auto gpu = open_webgpu();
  ASSERT_TRUE(gpu);
  Tensor t;
  try {
    gpu->primitives().softmax(t, t, false);  // no kernel yet: refused by name
    FAIL();
  } catch (const BackendError& e) {
    EXPECT_NE(std::string(e.what()).find("softmax primitive has no WGSL kernel"),
              std::string::npos);
  }
}

}  // namespace
}  // namespace tapml::backends
