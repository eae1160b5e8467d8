// The WebGPU device (backends/webgpu) on this machine's adapters (lavapipe
// through wgpu-native's Vulkan backend here): adapters listed with their
// limits, byte-exact transfers of ragged ranges over word-granular buffers,
// and each WGSL kernel written so far against the CPU backend's primitive
// on strided views of every dtype, whole output buffers compared (a kernel
// writing outside its view fails too). The int64 policy: a value outside
// int32's range is refused, never wrapped.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
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

struct Operand {
  DType dtype;
  View view;
};

using PrimitiveCall =
    std::function<void(Primitives&, const std::vector<Tensor>&, const std::vector<Tensor>&)>;

// Runs `op` on both devices over `inputs` (random values; `positive`: |x| + 1
// for logs and roots) into `outputs`, and compares each output's whole
// storage: inside the view within `rel` (NaN where NaN), outside untouched.
void compare_views(const std::string& what, const std::vector<Operand>& inputs,
                   const std::vector<Operand>& outputs, double rel, const PrimitiveCall& op,
                   bool positive = false) {
  auto gpu = open_webgpu();
  ASSERT_TRUE(gpu);
  auto cpu = cpu_backend().open(0);
  std::mt19937 rng(static_cast<unsigned>(std::hash<std::string>{}(what)));
  std::vector<Tensor> gpu_in, cpu_in, gpu_out, cpu_out;
  for (const Operand& in : inputs) {
    auto bytes = random_bytes(in.dtype, in.view.storage, rng);
    if (positive && in.dtype == DType::Float32) {
      for (int64_t i = 0; i < in.view.storage; ++i) {
        float f;
        std::memcpy(&f, bytes.data() + i * 4, 4);
        f = std::abs(f) + 1;
        std::memcpy(bytes.data() + i * 4, &f, 4);
      }
    }
    gpu_in.push_back(make(*gpu, in.dtype, in.view, bytes));
    cpu_in.push_back(make(*cpu, in.dtype, in.view, bytes));
  }
  std::vector<std::vector<std::byte>> patterns;
  for (const Operand& out : outputs) {
    std::vector<std::byte> pattern(static_cast<size_t>(out.view.storage) * dtype_size(out.dtype));
    for (size_t i = 0; i < pattern.size(); ++i) pattern[i] = std::byte(0x5A ^ (i & 0xff));
    gpu_out.push_back(make(*gpu, out.dtype, out.view, pattern));
    cpu_out.push_back(make(*cpu, out.dtype, out.view, pattern));
    patterns.push_back(std::move(pattern));
  }
  op(gpu->primitives(), gpu_in, gpu_out);
  op(cpu->primitives(), cpu_in, cpu_out);
  for (size_t o = 0; o < outputs.size(); ++o) {
    std::vector<std::byte> got(patterns[o].size()), want(patterns[o].size());
    gpu->download(*gpu_out[o].buffer, got.data(), got.size(), 0);
    cpu->download(*cpu_out[o].buffer, want.data(), want.size(), 0);
    for (int64_t i = 0; i < outputs[o].view.storage; ++i) {
      const double g = element(got, outputs[o].dtype, static_cast<size_t>(i));
      const double w = element(want, outputs[o].dtype, static_cast<size_t>(i));
      if (g == w) continue;  // infinities too
      if (std::isnan(w)) {
        EXPECT_TRUE(std::isnan(g))
            << what << " output " << o << " element " << i << ": got " << g << ", want NaN";
      } else {
        EXPECT_LE(std::abs(g - w), rel * std::abs(w) + rel)
            << what << " output " << o << " element " << i << ": got " << g << ", want " << w;
      }
    }
  }
}

// The elementwise form: every input and the output on [3, 5] views,
// alternately transposed and padded.
void compare_with_cpu(
    const std::string& what, std::vector<DType> in_dtypes, DType to, double rel,
    const std::function<void(Primitives&, const std::vector<Tensor>&, const Tensor&)>& op,
    bool positive = false) {
  std::vector<Operand> inputs;
  bool transposed = true;
  for (DType dtype : in_dtypes) {
    inputs.push_back({dtype, view(transposed)});
    transposed = !transposed;
  }
  compare_views(
      what, inputs, {{to, view(false)}}, rel,
      [&](Primitives& p, const std::vector<Tensor>& in, const std::vector<Tensor>& out) {
        op(p, in, out[0]);
      },
      positive);
}

// A contiguous view of `sizes` (its storage the element count).
View dense(std::vector<int64_t> sizes) {
  View v;
  v.sizes = sizes;
  v.strides = std::vector<int64_t>(sizes.size(), 1);
  for (size_t d = sizes.size(); d-- > 1;) v.strides[d - 1] = v.strides[d] * sizes[d];
  v.offset = 0;
  v.storage = 1;
  for (int64_t size : sizes) v.storage *= size;
  return v;
}

TEST(WebGpu, ReductionsAndRowKernelsLikeTheCpu) {
  // [4, 3, 70]: rows of 70 take the workgroup-per-row path; [40, 5] the
  // invocation-per-row path.
  for (const auto& [in_sizes, dims] :
       {std::pair{std::vector<int64_t>{4, 3, 70}, 1}, std::pair{std::vector<int64_t>{40, 5}, 1},
        std::pair{std::vector<int64_t>{6, 70}, 2}}) {
    std::vector<int64_t> out_sizes(in_sizes.begin(), in_sizes.end() - dims);
    for (int op = 0; op <= static_cast<int>(ReduceOp::Norm2); ++op) {
      const auto reduce_op = static_cast<ReduceOp>(op);
      const bool index = reduce_op == ReduceOp::ArgMax || reduce_op == ReduceOp::ArgMin;
      const bool logical = reduce_op == ReduceOp::Any || reduce_op == ReduceOp::All;
      const bool product = reduce_op == ReduceOp::Prod;
      for (DType in_dtype : {DType::Float32, DType::Int64}) {
        if (product && in_dtype == DType::Float32 && in_sizes.back() > 8) continue;  // overflow
        if (product && in_dtype == DType::Int64) continue;  // overflows int64 on the CPU too
        const bool floating_only = reduce_op == ReduceOp::Mean || reduce_op == ReduceOp::Norm2;
        if (floating_only && in_dtype == DType::Int64) continue;
        const DType out_dtype = index ? DType::Int64 : logical ? DType::Bool : in_dtype;
        compare_views(
            "reduce " + std::to_string(op) + " " + std::string(dtype_name(in_dtype)) + " " +
                std::to_string(in_sizes.size()) + "-d",
            {{in_dtype, dense(in_sizes)}}, {{out_dtype, dense(out_sizes)}}, 2e-5,
            [&](Primitives& p, const std::vector<Tensor>& in, const std::vector<Tensor>& out) {
              p.reduce(reduce_op, in[0], dims, out[0]);
            });
      }
    }
  }
  for (DType dtype : {DType::Float32, DType::Int64}) {
    compare_views("cumsum " + std::string(dtype_name(dtype)), {{dtype, view(true)}},
                  {{dtype, view(false)}}, 2e-6,
                  [](Primitives& p, const std::vector<Tensor>& in, const std::vector<Tensor>& out) {
                    p.cumsum(in[0], out[0]);
                  });
  }
  for (bool log : {false, true}) {
    compare_views(log ? "log_softmax" : "softmax", {{DType::Float32, dense({7, 300})}},
                  {{DType::BFloat16, dense({7, 300})}}, 8e-3,
                  [&](Primitives& p, const std::vector<Tensor>& in,
                      const std::vector<Tensor>& out) { p.softmax(in[0], out[0], log); });
  }
  compare_views("layer_norm",
                {{DType::Float32, dense({5, 384})},
                 {DType::Float32, dense({384})},
                 {DType::Float16, dense({384})}},
                {{DType::Float32, dense({5, 384})},
                 {DType::Float32, dense({5})},
                 {DType::Float32, dense({5})}},
                2e-5,
                [](Primitives& p, const std::vector<Tensor>& in, const std::vector<Tensor>& out) {
                  p.layer_norm(in[0], in[1], in[2], 1e-5, out[0], out[1], out[2]);
                });
  compare_views("layer_norm without affine", {{DType::Float32, dense({3, 100})}},
                {{DType::Float32, dense({3, 100})}}, 2e-5,
                [](Primitives& p, const std::vector<Tensor>& in, const std::vector<Tensor>& out) {
                  p.layer_norm(in[0], std::nullopt, std::nullopt, 1e-5, out[0], std::nullopt,
                               std::nullopt);
                });
  // Indices drawn from [-100, 100] over 30 rows: negatives count from the
  // end, the rest are out of range (NaN rows): both sides alike.
  compare_views("gather_rows", {{DType::Float32, dense({30, 6})}, {DType::Int64, dense({12})}},
                {{DType::Float32, dense({12, 6})}}, 0,
                [](Primitives& p, const std::vector<Tensor>& in, const std::vector<Tensor>& out) {
                  p.gather_rows(in[0], in[1], out[0]);
                });
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

// A view of `sizes` with explicit strides (0 broadcasts).
View strided(std::vector<int64_t> sizes, std::vector<int64_t> strides, int64_t offset = 0) {
  View v;
  v.sizes = std::move(sizes);
  v.strides = std::move(strides);
  v.offset = offset;
  v.storage = offset + 1;
  for (size_t d = 0; d < v.sizes.size(); ++d) v.storage += (v.sizes[d] - 1) * v.strides[d];
  return v;
}

TEST(WebGpu, MatmulAndAttentionLikeTheCpu) {
  // [2, 33, 40] @ [2, 40, 19] with w transposed, a bias broadcast over rows,
  // alpha and beta; and a decode-shaped one in bfloat16.
  compare_views("matmul",
                {{DType::Float32, dense({2, 33, 40})},
                 {DType::Float32, strided({2, 40, 19}, {760, 1, 40})},
                 {DType::Float32, strided({2, 33, 19}, {19, 0, 1})}},
                {{DType::Float32, dense({2, 33, 19})}}, 1e-5,
                [](Primitives& p, const std::vector<Tensor>& in, const std::vector<Tensor>& out) {
                  p.matmul(in[0], in[1], in[2], out[0], 0.5, 2.0);
                });
  compare_views("matmul bf16 decode",
                {{DType::BFloat16, dense({1, 1, 576})},
                 {DType::BFloat16, strided({1, 576, 49}, {0, 1, 576})}},
                {{DType::BFloat16, dense({1, 1, 49})}}, 1e-2,
                [](Primitives& p, const std::vector<Tensor>& in, const std::vector<Tensor>& out) {
                  p.matmul(in[0], in[1], std::nullopt, out[0], 1, 0);
                });
  for (int variant = 0; variant < 4; ++variant) {
    // 0: no mask; 1: a float mask that adds; 2: a bool mask; 3: causal, 300
    // keys (two chunks of 256).
    const int64_t keys = variant == 3 ? 300 : 37;
    std::vector<Operand> inputs = {{DType::Float32, dense({2, 5, 16})},
                                   {DType::Float32, dense({2, keys, 16})},
                                   {DType::Float16, dense({2, keys, 8})}};
    if (variant == 1) inputs.push_back({DType::Float32, dense({2, 5, keys})});
    if (variant == 2) inputs.push_back({DType::Bool, strided({2, 5, keys}, {0, keys, 1})});
    compare_views(
        "attention " + std::to_string(variant), inputs, {{DType::Float32, dense({2, 5, 8})}}, 2e-5,
        [&](Primitives& p, const std::vector<Tensor>& in, const std::vector<Tensor>& out) {
          std::optional<Tensor> mask;
          if (in.size() > 3) mask = in[3];
          p.attention(in[0], in[1], in[2], mask, variant == 3, 0.25, out[0]);
        });
  }
}

TEST(WebGpu, Bf16AccumulationBugChangesBf16ProductsOnly) {
  auto gpu = open_webgpu();
  ASSERT_TRUE(gpu);
  const View a_view = dense({1, 4, 256});
  const View w_view = dense({1, 256, 8});
  auto product = [&](DType dtype, bool bug) {
    if (bug) setenv("TAPML_PLANT_BUG", "matmul-bf16-accumulate", 1);
    std::mt19937 same(3);
    const Tensor a = make(*gpu, dtype, a_view, random_bytes(dtype, a_view.storage, same));
    const Tensor w = make(*gpu, dtype, w_view, random_bytes(dtype, w_view.storage, same));
    const View out_view = dense({1, 4, 8});
    const Tensor out = make(*gpu, DType::Float32, out_view,
                            std::vector<std::byte>(static_cast<size_t>(out_view.storage) * 4));
    gpu->primitives().matmul(a, w, std::nullopt, out, 1, 0);
    unsetenv("TAPML_PLANT_BUG");
    std::vector<std::byte> bytes(static_cast<size_t>(out_view.storage) * 4);
    gpu->download(*out.buffer, bytes.data(), bytes.size(), 0);
    return bytes;
  };
  EXPECT_NE(product(DType::BFloat16, false), product(DType::BFloat16, true));
  EXPECT_EQ(product(DType::Float32, false), product(DType::Float32, true));
}

}  // namespace
}  // namespace tapml::backends
