// The primitives of each GPU target against the CPU backend's reference
// primitives: each case fills strided views (padded, column-major, transposed,
// broadcast, offset) of random values on both devices, runs one primitive on
// each, and compares the whole output buffers, so that a kernel writing outside
// its view is caught as well as one computing wrongly. The parameter is the
// target: OpenCL, and Vulkan on each way it moves data (mapped buffers as on
// lavapipe and integrated GPUs, device-local buffers behind a staging buffer as
// on discrete GPUs).
#include "backends/primitives.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "backends/backend.h"
#include "backends/cpu/cpu_backend.h"
#include "backends/cpu/elements.h"
#ifdef TAPML_WITH_VULKAN
#include "backends/vulkan/vulkan_backend.h"
#endif

namespace tapml::backends {
namespace {

using cpu::load;
using cpu::store;

enum class Layout {
  Contiguous,
  Padded,      // every dim one longer than its size, two elements of offset
  Reversed,    // column-major, one element of offset
  Transposed,  // row-major with the last two dims swapped (a weight.t())
  Broadcast,   // contiguous with every other dim's stride 0 (inputs only)
};

enum Side { kGpu = 0, kCpu = 1 };

// One tensor twice: on the device under test and on the CPU, with equal bytes.
struct Twin {
  Tensor t[2];
  const Tensor& operator[](Side side) const { return t[side]; }
};

struct Range {
  double lo = -2;
  double hi = 2;
};

std::vector<int64_t> layout_strides(const std::vector<int64_t>& sizes, Layout layout) {
  std::vector<int64_t> strides(sizes.size());
  int64_t stride = 1;
  if (layout == Layout::Reversed) {
    for (size_t d = 0; d < sizes.size(); ++d) {
      strides[d] = stride;
      stride *= sizes[d];
    }
    return strides;
  }
  if (layout == Layout::Transposed && sizes.size() >= 2) {
    std::vector<int64_t> swapped = sizes;
    std::swap(swapped[sizes.size() - 1], swapped[sizes.size() - 2]);
    strides = layout_strides(swapped, Layout::Contiguous);
    std::swap(strides[sizes.size() - 1], strides[sizes.size() - 2]);
    return strides;
  }
  for (size_t d = sizes.size(); d-- > 0;) {
    strides[d] = layout == Layout::Broadcast && d % 2 == 1 ? 0 : stride;
    stride *= sizes[d] + (layout == Layout::Padded ? 1 : 0);
  }
  return strides;
}

int64_t layout_offset(Layout layout) {
  return layout == Layout::Padded ? 2 : (layout == Layout::Reversed ? 1 : 0);
}

// A device under test: a backend by name, opened through the generic backend
// interface, except where a target needs a way of opening of its own.
struct Target {
  const char* backend;  // find_backend's name
  const char* test_name;
  // Vulkan: keep buffers unmapped, moving data through a staging buffer.
  bool staged = false;
  // The environment variable that forces the "tiled" matmul kernel where the
  // target has another by default (OpenCL on CPU devices), so both run.
  const char* matmul_design_variable = nullptr;
};

std::unique_ptr<Device> open_target(const Target& target) {
#ifdef TAPML_WITH_VULKAN
  if (target.staged) return open_vulkan_device_staged(0);
#endif
  return find_backend(target.backend)->open(0);
}

// No skipping when a compiled-in platform is missing: CI has lavapipe and
// PoCL, and a backend that cannot open must fail its tests.
class PrimitivesTest : public ::testing::TestWithParam<Target> {
 protected:
  // Devices stay open across the suite's tests (OpenCL builds its programs
  // once per device).
  static void TearDownTestSuite() { open_devices().clear(); }
  void SetUp() override {
    std::unique_ptr<Device>& gpu = open_devices()[GetParam().test_name];
    if (gpu == nullptr) gpu = open_target(GetParam());
    std::unique_ptr<Device>& cpu = open_devices()["cpu"];
    if (cpu == nullptr) cpu = cpu_backend().open(0);
    gpu_ = gpu.get();
    cpu_ = cpu.get();
    unsetenv("TAPML_PLANT_BUG");
  }
  void TearDown() override {
    unsetenv("TAPML_PLANT_BUG");
    force_matmul_design("");
  }

  Device& device(Side side) { return side == kGpu ? *gpu_ : *cpu_; }

  // The matmul kernel designs of the target, "" being its default.
  std::vector<const char*> matmul_designs() const {
    if (GetParam().matmul_design_variable == nullptr) return {""};
    return {"", "tiled"};
  }
  void force_matmul_design(const char* design) const {
    const char* variable = GetParam().matmul_design_variable;
    if (variable == nullptr) return;
    if (*design) {
      setenv(variable, design, 1);
    } else {
      unsetenv(variable);
    }
  }

  // A view of `sizes` in `layout`, its whole buffer filled with random values
  // in `range` (integers: whole numbers), the same on both devices.
  Twin input(DType dtype, const std::vector<int64_t>& sizes, Layout layout = Layout::Padded,
             Range range = {}) {
    return make(dtype, sizes, layout, [&](std::byte* data, int64_t i) {
      double v = std::uniform_real_distribution<double>(range.lo, range.hi)(rng_);
      if (!dtype_is_floating(dtype)) v = std::round(v);
      store<double>(dtype, data, i, v);
    });
  }

  // An output view whose whole buffer holds a poison pattern (NaN for
  // floats, 0x5a bytes otherwise) that no kernel computes by chance.
  Twin output(DType dtype, const std::vector<int64_t>& sizes, Layout layout = Layout::Padded) {
    return make(dtype, sizes, layout, [&](std::byte* data, int64_t i) {
      if (dtype_is_floating(dtype)) {
        store<double>(dtype, data, i, std::nan(""));
      } else {
        for (size_t b = 0; b < dtype_size(dtype); ++b)
          data[i * dtype_size(dtype) + b] = std::byte{0x5a};
      }
    });
  }

  // Runs `op` on both devices.
  void run(const std::function<void(Primitives&, Side)>& op) {
    for (Side side : {kGpu, kCpu}) {
      op(device(side).primitives(), side);
      device(side).finish();
    }
  }

  // Compares the whole buffers behind `out`: integers exactly, floats within
  // `rtol` (relative) and `atol`, NaN where the reference has NaN.
  void expect_same(const Twin& out, double rtol = 0, double atol = 0) {
    DType dtype = out[kGpu].dtype;
    if (rtol == 0) rtol = default_tolerance(dtype);
    if (atol == 0) atol = rtol;
    std::vector<std::byte> got = download(kGpu, out[kGpu]);
    std::vector<std::byte> want = download(kCpu, out[kCpu]);
    int64_t n = static_cast<int64_t>(got.size() / dtype_size(dtype));
    int failures = 0;
    for (int64_t i = 0; i < n && failures < 8; ++i) {
      double g = load<double>(dtype, got.data(), i);
      double w = load<double>(dtype, want.data(), i);
      bool same =
          dtype_is_floating(dtype)
              ? (std::isnan(w) ? std::isnan(g) : std::abs(g - w) <= atol + rtol * std::abs(w))
              : g == w;
      if (!same) {
        ADD_FAILURE() << "element " << i << " of the buffer: " << GetParam().backend << " " << g
                      << ", cpu " << w;
        ++failures;
      }
    }
  }

  // Sets element `i` of the buffer behind `twin` on both devices.
  void set_element(const Twin& twin, int64_t i, double value) {
    for (Side side : {kGpu, kCpu}) {
      std::vector<std::byte> bytes = download(side, twin[side]);
      store<double>(twin[side].dtype, bytes.data(), i, value);
      device(side).upload(*twin[side].buffer, bytes.data(), bytes.size(), 0);
    }
  }

  std::vector<std::byte> download(Side side, const Tensor& t) {
    std::vector<std::byte> bytes(t.buffer->size());
    device(side).download(*t.buffer, bytes.data(), bytes.size(), 0);
    return bytes;
  }

  static double default_tolerance(DType dtype) {
    switch (dtype) {
      case DType::Float16:
        return 2e-3;
      case DType::BFloat16:
        return 1.6e-2;
      default:
        return 1e-5;
    }
  }

  std::mt19937 rng_{1234};

 private:
  Twin make(DType dtype, const std::vector<int64_t>& sizes, Layout layout,
            const std::function<void(std::byte*, int64_t)>& fill) {
    std::vector<int64_t> strides = layout_strides(sizes, layout);
    int64_t offset = layout_offset(layout);
    int64_t elements = offset + 1;
    for (size_t d = 0; d < sizes.size(); ++d) elements += (sizes[d] - 1) * strides[d];
    elements += 3;  // a tail past the view, where nothing may be written
    std::vector<std::byte> bytes(static_cast<size_t>(elements) * dtype_size(dtype));
    for (int64_t i = 0; i < elements; ++i) fill(bytes.data(), i);
    Twin twin;
    for (Side side : {kGpu, kCpu}) {
      Tensor& t = twin.t[side];
      t.buffer = device(side).alloc(bytes.size());
      device(side).upload(*t.buffer, bytes.data(), bytes.size(), 0);
      t.dtype = dtype;
      t.sizes = sizes;
      t.strides = strides;
      t.offset = offset;
    }
    return twin;
  }

  static std::map<std::string, std::unique_ptr<Device>>& open_devices() {
    static std::map<std::string, std::unique_ptr<Device>> devices;
    return devices;
  }

  Device* gpu_ = nullptr;
  Device* cpu_ = nullptr;
};

constexpr DType kFloats[] = {DType::Float32, DType::Float16, DType::BFloat16};
constexpr Layout kLayouts[] = {Layout::Contiguous, Layout::Padded, Layout::Reversed,
                               Layout::Transposed};

std::string describe(DType dtype, Layout layout) {
  return std::string(dtype_name(dtype)) + " layout " + std::to_string(static_cast<int>(layout));
}

TEST_P(PrimitivesTest, UnaryFloatOps) {
  const UnaryOp ops[] = {
      UnaryOp::Neg,  UnaryOp::Abs,       UnaryOp::Exp,      UnaryOp::Sin,     UnaryOp::Cos,
      UnaryOp::Tanh, UnaryOp::Sigmoid,   UnaryOp::Silu,     UnaryOp::GeluErf, UnaryOp::GeluTanh,
      UnaryOp::Relu, UnaryOp::ClampMin,  UnaryOp::ClampMax, UnaryOp::Clamp,   UnaryOp::PowScalar,
      UnaryOp::Fill, UnaryOp::Reciprocal};
  const UnaryOp positive_ops[] = {UnaryOp::Log, UnaryOp::Sqrt, UnaryOp::Rsqrt};
  for (DType dtype : kFloats) {
    for (Layout layout : kLayouts) {
      Twin in = input(dtype, {3, 5, 7}, layout);
      Twin positive = input(dtype, {3, 5, 7}, layout, {0.1, 4});
      for (UnaryOp op : ops) {
        SCOPED_TRACE(describe(dtype, layout) + " op " + std::to_string(static_cast<int>(op)));
        Twin out = output(dtype, {3, 5, 7}, Layout::Reversed);
        run([&](Primitives& p, Side s) { p.unary(op, in[s], out[s], {-0.5, 0.75}); });
        expect_same(out);
      }
      for (UnaryOp op : positive_ops) {
        SCOPED_TRACE(describe(dtype, layout) + " op " + std::to_string(static_cast<int>(op)));
        Twin out = output(dtype, {3, 5, 7});
        run([&](Primitives& p, Side s) { p.unary(op, positive[s], out[s], {}); });
        expect_same(out);
      }
    }
  }
}

TEST_P(PrimitivesTest, UnaryIntegerOps) {
  const UnaryOp ops[] = {UnaryOp::Neg,       UnaryOp::Abs,      UnaryOp::Relu,
                         UnaryOp::ClampMin,  UnaryOp::ClampMax, UnaryOp::Clamp,
                         UnaryOp::PowScalar, UnaryOp::Fill,     UnaryOp::BitwiseNot};
  for (DType dtype : {DType::Int64, DType::Int32, DType::Int8, DType::Bool}) {
    Twin in = input(dtype, {4, 6}, Layout::Reversed, {-5, 5});
    for (UnaryOp op : ops) {
      SCOPED_TRACE(std::string(dtype_name(dtype)) + " op " + std::to_string(static_cast<int>(op)));
      Twin out = output(dtype, {4, 6});
      run([&](Primitives& p, Side s) { p.unary(op, in[s], out[s], {-2, 3}); });
      expect_same(out);
    }
  }
}

TEST_P(PrimitivesTest, CopyCastsBetweenEveryDtype) {
  const DType all[] = {DType::Float32, DType::Float16, DType::BFloat16, DType::Float64,
                       DType::Int64,   DType::Int32,   DType::Int16,    DType::Int8,
                       DType::UInt8,   DType::Bool};
  for (DType from : all) {
    // To and from float32 (the conversions kernels make), and each to itself
    // (the bit-exact copy): every load and store of every dtype.
    for (DType to : {DType::Float32, from}) {
      SCOPED_TRACE(std::string(dtype_name(from)) + " -> " + std::string(dtype_name(to)));
      Twin in = input(from, {5, 9}, Layout::Broadcast, {-100, 100});
      Twin out = output(to, {5, 9}, Layout::Reversed);
      run([&](Primitives& p, Side s) { p.unary(UnaryOp::Copy, in[s], out[s], {}); });
      expect_same(out);
    }
    SCOPED_TRACE(std::string("float32 -> ") + std::string(dtype_name(from)));
    Twin in = input(DType::Float32, {5, 9}, Layout::Padded, {-300, 300});
    Twin out = output(from, {5, 9});
    run([&](Primitives& p, Side s) { p.unary(UnaryOp::Copy, in[s], out[s], {}); });
    expect_same(out);
  }
}

TEST_P(PrimitivesTest, CopiesHighRankViews) {
  std::vector<int64_t> sizes{2, 1, 3, 2, 2, 1, 3, 2};
  Twin in = input(DType::Float16, sizes, Layout::Reversed);
  Twin out = output(DType::Float16, sizes, Layout::Padded);
  run([&](Primitives& p, Side s) { p.unary(UnaryOp::Copy, in[s], out[s], {}); });
  expect_same(out);
}

TEST_P(PrimitivesTest, BinaryOpsOverBroadcastViews) {
  const BinaryOp float_ops[] = {BinaryOp::Add,      BinaryOp::Sub, BinaryOp::Mul, BinaryOp::Div,
                                BinaryOp::DivTrunc, BinaryOp::Pow, BinaryOp::Max, BinaryOp::Min};
  for (DType dtype : kFloats) {
    Twin a = input(dtype, {4, 3, 5}, Layout::Padded);
    Twin b = input(dtype, {4, 3, 5}, Layout::Broadcast, {0.5, 2});
    for (BinaryOp op : float_ops) {
      SCOPED_TRACE(std::string(dtype_name(dtype)) + " op " + std::to_string(static_cast<int>(op)));
      Twin out = output(dtype, {4, 3, 5}, Layout::Reversed);
      run([&](Primitives& p, Side s) { p.binary(op, a[s], b[s], out[s], 0.5); });
      expect_same(out);
    }
  }
}

TEST_P(PrimitivesTest, BinaryIntegerAndComparisonOps) {
  const BinaryOp int_ops[] = {BinaryOp::Add,       BinaryOp::Sub,       BinaryOp::Mul,
                              BinaryOp::DivTrunc,  BinaryOp::DivFloor,  BinaryOp::Pow,
                              BinaryOp::Max,       BinaryOp::Min,       BinaryOp::BitwiseAnd,
                              BinaryOp::BitwiseOr, BinaryOp::BitwiseXor};
  Twin a = input(DType::Int64, {6, 7}, Layout::Reversed, {-9, 9});
  Twin b = input(DType::Int32, {6, 7}, Layout::Padded, {-4, 4});  // zeros included
  for (BinaryOp op : int_ops) {
    SCOPED_TRACE("int op " + std::to_string(static_cast<int>(op)));
    Twin out = output(DType::Int64, {6, 7});
    run([&](Primitives& p, Side s) { p.binary(op, a[s], b[s], out[s], 2); });
    expect_same(out);
  }
  const BinaryOp compare_ops[] = {BinaryOp::Eq,         BinaryOp::Ne,       BinaryOp::Lt,
                                  BinaryOp::Le,         BinaryOp::Gt,       BinaryOp::Ge,
                                  BinaryOp::LogicalAnd, BinaryOp::LogicalOr};
  Twin x = input(DType::Float16, {6, 7}, Layout::Padded, {-2, 2});
  Twin y = input(DType::Float32, {6, 7}, Layout::Broadcast, {-2, 2});
  for (const Twin* lhs : {&x, &a}) {
    for (BinaryOp op : compare_ops) {
      SCOPED_TRACE("compare op " + std::to_string(static_cast<int>(op)));
      Twin out = output(DType::Bool, {6, 7});
      run([&](Primitives& p, Side s) {
        p.binary(op, (*lhs)[s], lhs == &x ? y[s] : b[s], out[s], 1);
      });
      expect_same(out);
    }
  }
}

TEST_P(PrimitivesTest, WhereSelectsWithAndWithoutConversion) {
  Twin cond = input(DType::Bool, {5, 8}, Layout::Reversed, {0, 1});
  Twin a = input(DType::Float32, {5, 8}, Layout::Broadcast);
  Twin b = input(DType::Float32, {5, 8}, Layout::Padded);
  Twin half_b = input(DType::Float16, {5, 8}, Layout::Padded);
  for (const Twin* other : {&b, &half_b}) {
    Twin out = output(DType::Float32, {5, 8});
    run([&](Primitives& p, Side s) { p.where(cond[s], a[s], (*other)[s], out[s]); });
    expect_same(out);
  }
}

TEST_P(PrimitivesTest, ReducesTrailingDims) {
  const ReduceOp ops[] = {ReduceOp::Sum,  ReduceOp::Mean,   ReduceOp::Max,    ReduceOp::Min,
                          ReduceOp::Prod, ReduceOp::ArgMax, ReduceOp::ArgMin, ReduceOp::Any,
                          ReduceOp::All,  ReduceOp::Norm2};
  // Short inner extents run one item per output, long ones a work-group each.
  for (std::vector<int64_t> sizes : {std::vector<int64_t>{4, 3, 5}, {3, 2, 300}, {2, 1000}}) {
    for (DType dtype : {DType::Float32, DType::Float16, DType::Int64}) {
      Twin in = input(dtype, sizes, Layout::Reversed, {-3, 3});  // integers tie: first index wins
      for (ReduceOp op : ops) {
        for (int dims = 1; dims <= 2; ++dims) {
          bool index = op == ReduceOp::ArgMax || op == ReduceOp::ArgMin;
          bool logical = op == ReduceOp::Any || op == ReduceOp::All;
          bool floating = op == ReduceOp::Mean || op == ReduceOp::Norm2;
          if (op == ReduceOp::Prod && sizes.back() > 5) continue;  // overflows
          DType out_dtype = index ? DType::Int64
                            : logical
                                ? DType::Bool
                                : (floating && !dtype_is_floating(dtype) ? DType::Float32 : dtype);
          SCOPED_TRACE(std::string(dtype_name(dtype)) + " op " +
                       std::to_string(static_cast<int>(op)) + " dims " + std::to_string(dims) +
                       " inner " + std::to_string(sizes.back()));
          std::vector<int64_t> out_sizes(sizes.begin(), sizes.end() - dims);
          Twin out = output(out_dtype, out_sizes);
          run([&](Primitives& p, Side s) { p.reduce(op, in[s], dims, out[s]); });
          expect_same(out, dtype == DType::Float16 ? 4e-3 : 2e-5);
        }
      }
    }
  }
}

TEST_P(PrimitivesTest, ArgMaxTakesNaNAsLargest) {
  Twin in = input(DType::Float32, {3, 200}, Layout::Contiguous);
  for (int64_t i : {17, 200 + 150, 200 + 190}) set_element(in, i, std::nan(""));
  for (ReduceOp op : {ReduceOp::ArgMax, ReduceOp::Max}) {
    Twin out = output(op == ReduceOp::Max ? DType::Float32 : DType::Int64, {3});
    run([&](Primitives& p, Side s) { p.reduce(op, in[s], 1, out[s]); });
    expect_same(out);
  }
}

TEST_P(PrimitivesTest, CumulativeSums) {
  for (auto [from, to] : {std::pair{DType::Float32, DType::Float32},
                          {DType::Int64, DType::Int64},
                          {DType::Bool, DType::Int64},
                          {DType::Float16, DType::Float32}}) {
    Twin in = input(from, {3, 4, 50}, Layout::Reversed, {-3, 3});
    Twin out = output(to, {3, 4, 50});
    run([&](Primitives& p, Side s) { p.cumsum(in[s], out[s]); });
    expect_same(out, 1e-5, 1e-4);
  }
}

TEST_P(PrimitivesTest, MatmulOverLayoutsAndShapes) {
  for (const char* design : matmul_designs()) {
    force_matmul_design(design);
    for (auto [m, k, n] : {std::tuple{1, 37, 45}, {3, 20, 300}, {17, 64, 33}, {70, 19, 70}}) {
      for (Layout a_layout : kLayouts) {
        for (Layout w_layout : kLayouts) {
          SCOPED_TRACE(std::string("design '") + design + "' m " + std::to_string(m) + " k " +
                       std::to_string(k) + " n " + std::to_string(n) + " layouts " +
                       std::to_string(static_cast<int>(a_layout)) +
                       std::to_string(static_cast<int>(w_layout)));
          Twin a = input(DType::Float32, {2, m, k}, a_layout);
          Twin w = input(DType::Float32, {2, k, n}, w_layout);
          Twin out = output(DType::Float32, {2, m, n});
          run([&](Primitives& p, Side s) { p.matmul(a[s], w[s], std::nullopt, out[s], 1, 1); });
          expect_same(out, 1e-4, 1e-4);
        }
      }
    }
  }
}

TEST_P(PrimitivesTest, MatmulWithBiasScalesAndDtypes) {
  for (const char* design : matmul_designs()) {
    force_matmul_design(design);
    for (DType dtype : {DType::Float32, DType::Float16, DType::BFloat16, DType::Int64}) {
      for (Layout w_layout : {Layout::Transposed, Layout::Padded, Layout::Reversed}) {
        SCOPED_TRACE(std::string("design '") + design + "' " + describe(dtype, w_layout));
        Twin a = input(dtype, {3, 9, 40}, Layout::Padded, {-3, 3});
        Twin w = input(dtype, {3, 40, 21}, w_layout, {-3, 3});
        Twin bias = input(dtype, {3, 9, 21}, Layout::Broadcast, {-3, 3});  // a row broadcast
        Twin out = output(dtype, {3, 9, 21});
        double alpha = dtype == DType::Int64 ? 2 : 0.5;
        run([&](Primitives& p, Side s) { p.matmul(a[s], w[s], bias[s], out[s], alpha, 3); });
        expect_same(out, dtype == DType::Float32 ? 1e-5 : 0, 1e-4);
      }
    }
  }
}

TEST_P(PrimitivesTest, SoftmaxAndLogSoftmaxAlongRows) {
  for (DType dtype : {DType::Float32, DType::Float16}) {
    for (int64_t cols : {7, 300}) {
      Twin in = input(dtype, {5, cols}, Layout::Reversed, {-8, 8});
      for (bool log : {false, true}) {
        Twin out = output(dtype, {5, cols});
        run([&](Primitives& p, Side s) { p.softmax(in[s], out[s], log); });
        expect_same(out, 0, 1e-5);
      }
    }
  }
}

TEST_P(PrimitivesTest, LayerNormWithEveryOptionalPart) {
  Twin in = input(DType::Float32, {6, 384}, Layout::Reversed);
  Twin weight = input(DType::Float32, {384}, Layout::Padded);
  Twin bias = input(DType::Float16, {384}, Layout::Padded);
  for (bool affine : {false, true}) {
    Twin out = output(DType::Float32, {6, 384});
    Twin mean = output(DType::Float32, {6});
    Twin rstd = output(DType::Float32, {6});
    run([&](Primitives& p, Side s) {
      p.layer_norm(in[s], affine ? std::optional(weight[s]) : std::nullopt,
                   affine ? std::optional(bias[s]) : std::nullopt, 1e-5, out[s],
                   affine ? std::optional(mean[s]) : std::nullopt,
                   affine ? std::optional(rstd[s]) : std::nullopt);
    });
    expect_same(out, 1e-4, 1e-4);
    if (affine) {
      expect_same(mean, 1e-5, 1e-6);
      expect_same(rstd, 1e-4, 1e-6);
    }
  }
}

TEST_P(PrimitivesTest, GatherRowsWithNegativeAndMissingIndices) {
  for (DType index_dtype : {DType::Int64, DType::Int32}) {
    Twin index = input(index_dtype, {9}, Layout::Padded, {-12, 12});  // some out of [-10, 10)
    for (auto [from, to] : {std::pair{DType::Float32, DType::Float32},
                            {DType::Int64, DType::Int64},
                            {DType::Float16, DType::Float32}}) {
      Twin table = input(from, {10, 6}, Layout::Reversed, {-50, 50});
      Twin out = output(to, {9, 6});
      run([&](Primitives& p, Side s) { p.gather_rows(table[s], index[s], out[s]); });
      expect_same(out);
    }
  }
}

TEST_P(PrimitivesTest, ArangeInEveryKind) {
  for (DType dtype : {DType::Float32, DType::Int64, DType::Float16, DType::Int32}) {
    Twin out = output(dtype, {50}, Layout::Padded);
    double step = dtype_is_floating(dtype) ? 0.25 : 3;
    run([&](Primitives& p, Side s) { p.arange(-4, step, out[s]); });
    expect_same(out);
  }
}

TEST_P(PrimitivesTest, AttentionWithMasksAndCausality) {
  Twin q = input(DType::Float32, {3, 5, 16}, Layout::Padded);
  Twin k = input(DType::Float32, {3, 7, 16}, Layout::Reversed);
  Twin v = input(DType::Float32, {3, 7, 12}, Layout::Padded);
  Twin bool_mask = input(DType::Bool, {3, 5, 7}, Layout::Broadcast, {0, 1});
  // Key 0 kept for every query (the mask is broadcast over queries: element
  // b * 7 + s), so that no row is masked whole.
  for (int64_t b = 0; b < 3; ++b) set_element(bool_mask, b * 7, 1);
  Twin float_mask = input(DType::Float32, {3, 5, 7}, Layout::Broadcast);
  for (const Twin* mask : {static_cast<Twin*>(nullptr), &bool_mask, &float_mask}) {
    for (bool causal : {false, true}) {
      Twin out = output(DType::Float32, {3, 5, 12});
      run([&](Primitives& p, Side s) {
        p.attention(q[s], k[s], v[s], mask ? std::optional((*mask)[s]) : std::nullopt, causal, 0.25,
                    out[s]);
      });
      expect_same(out, 1e-4, 1e-5);
    }
  }
}

// Each planted bug must change what its primitive computes (and only when
// switched on), or the checkers that rely on them prove nothing.
TEST_P(PrimitivesTest, PlantedBugsChangeResults) {
  auto differs = [&](const char* bug, const std::function<Twin()>& compute) {
    Twin right = compute();
    setenv("TAPML_PLANT_BUG", bug, 1);
    Twin wrong = compute();
    unsetenv("TAPML_PLANT_BUG");
    std::vector<std::byte> a = download(kGpu, right[kGpu]);
    std::vector<std::byte> b = download(kGpu, wrong[kGpu]);
    return a != b;
  };
  rng_.seed(7);
  Twin long_rows = input(DType::Float32, {4, 3000}, Layout::Contiguous, {0, 10});
  auto sum = [&] {
    Twin out = output(DType::Float32, {4});
    run([&](Primitives& p, Side s) { p.reduce(ReduceOp::Sum, long_rows[s], 1, out[s]); });
    return out;
  };
  EXPECT_TRUE(differs("reduce-off-by-one", sum));
  EXPECT_TRUE(differs("sum-fp16-accumulate", sum));
  Twin rows = input(DType::Float32, {4, 64}, Layout::Contiguous, {-0.01, 0.01});
  EXPECT_TRUE(differs("layer-norm-wrong-eps", [&] {
    Twin out = output(DType::Float32, {4, 64});
    run([&](Primitives& p, Side s) {
      p.layer_norm(rows[s], std::nullopt, std::nullopt, 1e-3, out[s], std::nullopt, std::nullopt);
    });
    return out;
  }));
  Twin a = input(DType::Float32, {1, 8, 16}, Layout::Contiguous);
  Twin w = input(DType::Float32, {1, 16, 16}, Layout::Reversed);  // a transposed weight
  EXPECT_TRUE(differs("matmul-ignores-stride", [&] {
    Twin out = output(DType::Float32, {1, 8, 16});
    run([&](Primitives& p, Side s) { p.matmul(a[s], w[s], std::nullopt, out[s], 1, 1); });
    return out;
  }));
  Twin x = input(DType::Float32, {64}, Layout::Contiguous);
  EXPECT_TRUE(differs("binary-partial-write", [&] {
    Twin out = output(DType::Float32, {64});
    run([&](Primitives& p, Side s) { p.binary(BinaryOp::Add, x[s], x[s], out[s], 1); });
    return out;
  }));
  // Attention's own products stay right under the matmul bug.
  Twin q = input(DType::Float32, {1, 4, 8}, Layout::Contiguous);
  EXPECT_FALSE(differs("matmul-ignores-stride", [&] {
    Twin out = output(DType::Float32, {1, 4, 8});
    run([&](Primitives& p, Side s) {
      p.attention(q[s], q[s], q[s], std::nullopt, false, 1, out[s]);
    });
    return out;
  }));
}

TEST_P(PrimitivesTest, RefusesComplexValues) {
  Twin in = input(DType::Float32, {4}, Layout::Contiguous);
  Tensor complex = in[kGpu];
  complex.dtype = DType::Complex64;
  complex.sizes = {2};
  complex.strides = {1};
  EXPECT_THROW(device(kGpu).primitives().unary(UnaryOp::Exp, complex, complex, {}), BackendError);
}

TEST_P(PrimitivesTest, NamesItsDevice) {
  std::vector<DeviceInfo> devices = find_backend(GetParam().backend)->devices();
  ASSERT_FALSE(devices.empty());
  std::string prefix = std::string(GetParam().backend) + ":0 ";
  EXPECT_EQ(devices[0].name.rfind(prefix, 0), 0u) << devices[0].name;
  EXPECT_EQ(device(kGpu).name(), devices[0].name);
}

TEST_P(PrimitivesTest, TransfersRoundTripAndCheckBounds) {
  std::vector<int32_t> values{1, -2, 3, -4, 5};
  auto buffer = device(kGpu).alloc(values.size() * 4);
  device(kGpu).upload(*buffer, values.data(), values.size() * 4, 0);
  std::vector<int32_t> back(3);
  device(kGpu).download(*buffer, back.data(), 12, 8);
  EXPECT_EQ(back, (std::vector<int32_t>{3, -4, 5}));
  EXPECT_THROW(device(kGpu).upload(*buffer, values.data(), 8, 16), BackendError);
}

TEST_P(PrimitivesTest, RejectsViewsOutsideTheirBuffer) {
  Twin in = input(DType::Float32, {4, 4}, Layout::Contiguous);
  Twin out = output(DType::Float32, {4, 4}, Layout::Contiguous);
  Tensor too_far = in[kGpu];
  too_far.offset = 4;  // past the buffer's three-element tail
  EXPECT_THROW(device(kGpu).primitives().unary(UnaryOp::Exp, too_far, out[kGpu], {}), BackendError);
}

// The targets compiled into this build.
std::vector<Target> compiled_targets() {
  const Target all[] = {
      {.backend = "vulkan", .test_name = "VulkanMapped"},
      {.backend = "vulkan", .test_name = "VulkanStaged", .staged = true},
      {.backend = "opencl", .test_name = "OpenCL", .matmul_design_variable = "TAPML_OPENCL_MATMUL"},
  };
  std::vector<Target> targets;
  for (const Target& target : all) {
    if (find_backend(target.backend) != nullptr) targets.push_back(target);
  }
  return targets;
}

INSTANTIATE_TEST_SUITE_P(Targets, PrimitivesTest, ::testing::ValuesIn(compiled_targets()),
                         [](const ::testing::TestParamInfo<Target>& target) {
                           return std::string(target.param.test_name);
                         });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(PrimitivesTest);  // a CPU-only build

}  // namespace
}  // namespace tapml::backends
