// The forward error bound judges results that are sums: correct kernels that
// sum in another order pass even where the result cancels to near zero (and
// NMSE would fail them), while the bugs kernel engineers write (a dropped
// term, a term added twice, an ignored stride, half-precision accumulation,
// a wrong epsilon or scale) still fail.
#include "replayer/bounds/forward_bound.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <random>

#include "replayer/compare.h"
#include "replayer/tolerance.h"

namespace tapml::replay {
namespace {

class Bounds : public ::testing::Test {
 protected:
  store::TensorMeta tensor(const std::string& name, std::vector<int64_t> sizes,
                           std::vector<double> v) {
    store::TensorMeta t;
    t.hash = name;
    t.sizes = std::move(sizes);
    values_[name] = std::move(v);
    return t;
  }
  std::vector<double> random(size_t n, double lo = -1, double hi = 1) {
    std::uniform_real_distribution<double> d(lo, hi);
    std::vector<double> v(n);
    for (double& x : v) x = static_cast<float>(d(rng_));
    return v;
  }
  static store::Arg arg(const std::string& name, const store::TensorMeta& t) {
    store::Arg a{name, "Tensor", {}};
    a.value.kind = store::ValueKind::Tensor;
    a.value.tensor = t;
    return a;
  }
  static store::Arg ints(const std::string& name, std::vector<int64_t> v) {
    store::Arg a{name, "int[]", {}};
    a.value.kind = store::ValueKind::IntList;
    a.value.ints = std::move(v);
    return a;
  }
  static store::Arg integer(const std::string& name, int64_t v) {
    store::Arg a{name, "int", {}};
    a.value.kind = store::ValueKind::Int;
    a.value.i = v;
    return a;
  }
  static store::Arg number(const std::string& name, double v) {
    store::Arg a{name, "float", {}};
    a.value.kind = store::ValueKind::Float;
    a.value.f = v;
    return a;
  }
  static store::Arg flag(const std::string& name, bool v) {
    store::Arg a{name, "bool", {}};
    a.value.kind = store::ValueKind::Bool;
    a.value.b = v;
    return a;
  }
  static store::Call call(const std::string& full, std::vector<store::Arg> inputs,
                          std::vector<int64_t> out_sizes) {
    store::Call c;
    c.name = full.substr(0, full.find('.'));
    if (full.find('.') != std::string::npos) c.overload = full.substr(full.find('.') + 1);
    c.inputs = std::move(inputs);
    store::Arg out{"result", "Tensor", {}};
    out.value.kind = store::ValueKind::Tensor;
    out.value.tensor.hash = "result";
    out.value.tensor.sizes = std::move(out_sizes);
    c.outputs.push_back(out);
    return c;
  }
  // The verdict of the default policy on float32 results `actual` against
  // `expected` of `c`'s output 0.
  Comparison judge(const store::Call& c, const std::vector<float>& actual,
                   const std::vector<float>& expected) {
    const Tolerance tol = TolerancePolicy::defaults().lookup(c.full_name(), DType::Float32, "cpu");
    EXPECT_EQ(tol.method, Method::ForwardBound) << c.full_name();
    const TensorValues values = [this](const store::TensorMeta& t) { return values_.at(t.hash); };
    const auto bound = forward_bound(c, 0, values, tol.safety);
    EXPECT_TRUE(bound.has_value()) << c.full_name();
    const Comparison r = compare(DType::Float32, reinterpret_cast<const std::byte*>(actual.data()),
                                 reinterpret_cast<const std::byte*>(expected.data()),
                                 c.outputs[0].value.tensor.sizes, tol, bound ? &*bound : nullptr);
    EXPECT_TRUE(r.bound.has_value());
    return r;
  }
  static std::vector<float> as_float(const std::vector<double>& v) { return {v.begin(), v.end()}; }

  std::map<std::string, std::vector<double>> values_;
  std::mt19937 rng_{1234};
};

// Sums of `x` ([rows, n] row-major) per row, in float32, forwards or backwards.
std::vector<float> row_sums(const std::vector<double>& x, size_t n, bool backwards,
                            size_t skip = SIZE_MAX, size_t twice = SIZE_MAX) {
  std::vector<float> out;
  for (size_t r = 0; r < x.size() / n; ++r) {
    float s = 0;
    for (size_t k = 0; k < n; ++k) {
      const size_t j = backwards ? n - 1 - k : k;
      if (j == skip) continue;
      s += static_cast<float>(x[r * n + j]);
      if (j == twice) s += static_cast<float>(x[r * n + j]);
    }
    out.push_back(s);
  }
  return out;
}

TEST_F(Bounds, FullSumThatCancelsPassesInAnyOrderWhereNmseFails) {
  std::vector<double> x = random(4 * 6 * 8);
  double mean = 0;
  for (double v : x) mean += v;
  mean /= static_cast<double>(x.size());
  for (double& v : x) v = static_cast<float>(v - mean);  // the sum nearly cancels
  const auto self = tensor("self", {4, 6, 8}, x);
  const store::Call c = call("aten::sum", {arg("self", self)}, {});
  const std::vector<float> expected = row_sums(x, x.size(), false);
  const std::vector<float> actual = row_sums(x, x.size(), true);
  ASSERT_NE(expected[0], actual[0]) << "the two orders should round differently";
  ASSERT_LT(std::fabs(expected[0]), 1e-4);
  // NMSE of a near-zero result says nothing: it fails a correct kernel.
  const Comparison by_nmse =
      compare(DType::Float32, reinterpret_cast<const std::byte*>(actual.data()),
              reinterpret_cast<const std::byte*>(expected.data()), {}, Tolerance{});
  EXPECT_FALSE(by_nmse.passed);
  const Comparison c1 = judge(c, actual, expected);
  EXPECT_TRUE(c1.passed) << c1.failure;
  EXPECT_EQ(c1.bound->terms, 192);
  EXPECT_EQ(c1.bound->safety, 4);
  EXPECT_FALSE(judge(c, row_sums(x, x.size(), true, 17), expected).passed) << "dropped term";
  EXPECT_FALSE(judge(c, row_sums(x, x.size(), true, SIZE_MAX, 5), expected).passed)
      << "term added twice";
}

TEST_F(Bounds, SumOverOneDimJudgesEachElementOverItsOwnTerms) {
  const std::vector<double> x = random(3 * 40);
  const auto self = tensor("self", {3, 40}, x);
  const store::Call c = call("aten::sum.dim_IntList",
                             {arg("self", self), ints("dim", {-1}), flag("keepdim", true)}, {3, 1});
  const std::vector<float> expected = row_sums(x, 40, false);
  EXPECT_TRUE(judge(c, row_sums(x, 40, true), expected).passed);
  // A fp16 accumulator rounds every partial sum to 11 bits.
  std::vector<float> half;
  for (size_t r = 0; r < 3; ++r) {
    float s = 0;
    for (size_t k = 0; k < 40; ++k) {
      s = static_cast<float>(static_cast<_Float16>(s + static_cast<float>(x[r * 40 + k])));
    }
    half.push_back(s);
  }
  EXPECT_FALSE(judge(c, half, expected).passed) << "fp16 accumulation";
  // Reducing the wrong dimension (a kernel that ignores a stride) is caught
  // even where the sums are close: compare the column sums' first three.
  const store::Call mean =
      call("aten::mean.dim", {arg("self", self), ints("dim", {1}), flag("keepdim", false)}, {3});
  std::vector<float> means = row_sums(x, 40, true);
  for (float& m : means) m /= 40;
  std::vector<float> expected_means = expected;
  for (float& m : expected_means) m /= 40;
  EXPECT_TRUE(judge(mean, means, expected_means).passed);
  means[1] = row_sums(x, 40, true, 39)[1] / 39;  // stops one short, divides by n-1
  EXPECT_FALSE(judge(mean, means, expected_means).passed);
}

std::vector<float> matmul(const std::vector<double>& a, const std::vector<double>& b, size_t m,
                          size_t k, size_t n, bool backwards, bool half = false,
                          bool ignore_stride = false) {
  std::vector<float> out(m * n);
  for (size_t i = 0; i < m; ++i) {
    for (size_t j = 0; j < n; ++j) {
      float s = 0;
      for (size_t t = 0; t < k; ++t) {
        const size_t p = backwards ? k - 1 - t : t;
        const double bv = ignore_stride ? b[j * k + p] : b[p * n + j];
        s += static_cast<float>(a[i * k + p]) * static_cast<float>(bv);
        if (half) s = static_cast<float>(static_cast<_Float16>(s));
      }
      out[i * n + j] = s;
    }
  }
  return out;
}

TEST_F(Bounds, MatrixProductsPassInAnyOrderAndCatchHalfAccumulationAndStrides) {
  const size_t m = 8, k = 96, n = 12;
  const std::vector<double> a = random(m * k), b = random(k * n);
  const store::Call c =
      call("aten::mm",
           {arg("self", tensor("a", {8, 96}, a)), arg("mat2", tensor("b", {96, 12}, b))}, {8, 12});
  const std::vector<float> expected = matmul(a, b, m, k, n, false);
  EXPECT_TRUE(judge(c, matmul(a, b, m, k, n, true), expected).passed);
  EXPECT_FALSE(judge(c, matmul(a, b, m, k, n, true, true), expected).passed) << "fp16 accumulate";
  EXPECT_FALSE(judge(c, matmul(a, b, m, k, n, false, false, true), expected).passed)
      << "reads b as if it were transposed";
}

TEST_F(Bounds, AddmmAndLinearCountTheAddedTerm) {
  const std::vector<double> a = random(4 * 32), b = random(32 * 5), bias = random(5, 10, 20);
  const store::Call c =
      call("aten::addmm",
           {arg("self", tensor("bias", {5}, bias)), arg("mat1", tensor("a", {4, 32}, a)),
            arg("mat2", tensor("b", {32, 5}, b)), number("beta", 0.5), integer("alpha", 2)},
           {4, 5});
  auto product = matmul(a, b, 4, 32, 5, false);
  std::vector<float> expected(20), wrong(20);
  for (size_t i = 0; i < 20; ++i) {
    expected[i] = 2 * product[i] + 0.5f * static_cast<float>(bias[i % 5]);
    wrong[i] = 2 * product[i] + static_cast<float>(bias[i % 5]);  // beta ignored
  }
  const Comparison ok = judge(c, expected, expected);
  EXPECT_TRUE(ok.passed);
  EXPECT_EQ(ok.bound->terms, 34);
  EXPECT_FALSE(judge(c, wrong, expected).passed);
  // linear: weight is [out, in], read transposed.
  std::vector<double> w(5 * 32);
  for (size_t o = 0; o < 5; ++o) {
    for (size_t i = 0; i < 32; ++i) w[o * 32 + i] = b[i * 5 + o];
  }
  const store::Call lin =
      call("aten::linear",
           {arg("input", tensor("x", {1, 4, 32}, a)), arg("weight", tensor("w", {5, 32}, w)),
            arg("bias", tensor("lb", {5}, bias))},
           {1, 4, 5});
  std::vector<float> lin_expected(20), lin_backwards = matmul(a, b, 4, 32, 5, true);
  for (size_t i = 0; i < 20; ++i) {
    lin_expected[i] = product[i] + static_cast<float>(bias[i % 5]);
    lin_backwards[i] += static_cast<float>(bias[i % 5]);
  }
  EXPECT_TRUE(judge(lin, lin_backwards, lin_expected).passed);
  lin_backwards[7] -= static_cast<float>(bias[7 % 5]);  // bias dropped on one element
  EXPECT_FALSE(judge(lin, lin_backwards, lin_expected).passed);
}

TEST_F(Bounds, GroupedStridedConvolution) {
  // x [1, 4, 7, 7], w [6, 2, 3, 3], groups 2, stride 2, padding 1 -> [1, 6, 4, 4].
  const std::vector<double> x = random(4 * 49), w = random(6 * 2 * 9), bias = random(6);
  const store::Call c =
      call("aten::convolution",
           {arg("input", tensor("x", {1, 4, 7, 7}, x)), arg("weight", tensor("w", {6, 2, 3, 3}, w)),
            arg("bias", tensor("bias", {6}, bias)), ints("stride", {2, 2}), ints("padding", {1, 1}),
            ints("dilation", {1, 1}), flag("transposed", false), ints("output_padding", {0, 0}),
            integer("groups", 2)},
           {1, 6, 4, 4});
  auto conv = [&](bool backwards, int skip_tap) {
    std::vector<float> out(6 * 16);
    for (int oc = 0; oc < 6; ++oc) {
      const int g = oc / 3;
      for (int oy = 0; oy < 4; ++oy) {
        for (int ox = 0; ox < 4; ++ox) {
          float s = static_cast<float>(bias[oc]);
          for (int t = 0; t < 18; ++t) {
            const int tap = backwards ? 17 - t : t;
            if (tap == skip_tap) continue;
            const int ic = tap / 9, ky = tap % 9 / 3, kx = tap % 3;
            const int iy = oy * 2 - 1 + ky, ix = ox * 2 - 1 + kx;
            if (iy < 0 || iy >= 7 || ix < 0 || ix >= 7) continue;
            s += static_cast<float>(x[((g * 2 + ic) * 7 + iy) * 7 + ix]) *
                 static_cast<float>(w[((oc * 2 + ic) * 3 + ky) * 3 + kx]);
          }
          out[(oc * 4 + oy) * 4 + ox] = s;
        }
      }
    }
    return out;
  };
  const std::vector<float> expected = conv(false, -1);
  const Comparison ok = judge(c, conv(true, -1), expected);
  EXPECT_TRUE(ok.passed) << ok.failure;
  EXPECT_EQ(ok.bound->terms, 19);
  EXPECT_FALSE(judge(c, conv(true, 13), expected).passed) << "a dropped kernel tap";
}

TEST_F(Bounds, TransposedConvolutionScattersEachInputOverItsTaps) {
  // x [1, 2, 5], w [2, 3, 3] (C_in, C_out, k), stride 2, padding 1 -> [1, 3, 9].
  const std::vector<double> x = random(2 * 5), w = random(2 * 3 * 3);
  store::Call c =
      call("aten::conv_transpose1d",
           {arg("input", tensor("x", {1, 2, 5}, x)), arg("weight", tensor("w", {2, 3, 3}, w)),
            ints("stride", {2}), ints("padding", {1}), ints("output_padding", {0}),
            integer("groups", 1), ints("dilation", {1})},
           {1, 3, 9});
  auto conv = [&](bool backwards, bool skip) {
    std::vector<float> out(27, 0.0f);
    for (int t = 0; t < 2 * 5 * 3; ++t) {
      const int tap = backwards ? 29 - t : t;
      const int ic = tap / 15, i = tap % 15 / 3, k = tap % 3;
      const int o = i * 2 - 1 + k;
      if (o < 0 || o >= 9 || (skip && tap == 7)) continue;
      for (int oc = 0; oc < 3; ++oc) {
        out[static_cast<size_t>(oc * 9 + o)] +=
            static_cast<float>(x[static_cast<size_t>(ic * 5 + i)]) *
            static_cast<float>(w[static_cast<size_t>((ic * 3 + oc) * 3 + k)]);
      }
    }
    return out;
  };
  const Comparison ok = judge(c, conv(true, false), conv(false, false));
  EXPECT_TRUE(ok.passed) << ok.failure;
  EXPECT_EQ(ok.bound->terms, 6);
  EXPECT_FALSE(judge(c, conv(true, true), conv(false, false)).passed) << "a dropped tap";
  // Recorded on CUDA, a float32 convolution ran in TF32 (cuDNN's default).
  for (store::Arg& a : c.inputs) a.value.tensor.device = "cuda:0";
  const TensorValues values = [this](const store::TensorMeta& t) { return values_.at(t.hash); };
  EXPECT_EQ(forward_bound(c, 0, values, 4)->summary.unit_roundoff, std::ldexp(1.0, -11));
}

TEST_F(Bounds, AttentionPassesAFloat32KernelAndCatchesAWrongScale) {
  const int64_t L = 4, S = 6, E = 8;
  const std::vector<double> q = random(2 * L * E), k = random(2 * S * E), v = random(2 * S * E);
  const store::Call c =
      call("aten::scaled_dot_product_attention",
           {arg("query", tensor("q", {1, 2, L, E}, q)), arg("key", tensor("k", {1, 2, S, E}, k)),
            arg("value", tensor("v", {1, 2, S, E}, v)), flag("is_causal", true)},
           {1, 2, L, E});
  auto attention = [&](auto zero, double scale) {
    using T = decltype(zero);
    std::vector<float> out(static_cast<size_t>(2 * L * E));
    for (int64_t h = 0; h < 2; ++h) {
      for (int64_t i = 0; i < L; ++i) {
        std::vector<T> p(static_cast<size_t>(S), 0);
        T top = static_cast<T>(-1e30), total = 0;
        for (int64_t j = 0; j <= std::min(i, S - 1); ++j) {
          T s = 0;
          for (int64_t e = 0; e < E; ++e)
            s += static_cast<T>(q[(h * L + i) * E + e] * k[(h * S + j) * E + e]);
          p[static_cast<size_t>(j)] = s * static_cast<T>(scale);
          top = std::max(top, p[static_cast<size_t>(j)]);
        }
        for (int64_t j = 0; j <= std::min(i, S - 1); ++j) {
          p[static_cast<size_t>(j)] = std::exp(p[static_cast<size_t>(j)] - top);
          total += p[static_cast<size_t>(j)];
        }
        for (int64_t e = 0; e < E; ++e) {
          T o = 0;
          for (int64_t j = 0; j < S; ++j)
            o += p[static_cast<size_t>(j)] / total * static_cast<T>(v[(h * S + j) * E + e]);
          out[static_cast<size_t>((h * L + i) * E + e)] = static_cast<float>(o);
        }
      }
    }
    return out;
  };
  const double scale = 1 / std::sqrt(static_cast<double>(E));
  const std::vector<float> expected = attention(0.0, scale);
  EXPECT_TRUE(judge(c, attention(0.0f, scale), expected).passed);
  EXPECT_FALSE(judge(c, attention(0.0f, 1.0 / E), expected).passed) << "scale 1/E";
}

// Half-precision attention: torch rounds the softmax weights to the input's
// dtype before weighting the values (the CPU flash kernel's reduced copy),
// so two correct bfloat16 kernels differ by about u_bf16·Σ p·|v| — far more
// than float32 rounding. The bound widens by that much for float16/bfloat16
// inputs only, and a wrong scale still fails.
TEST_F(Bounds, HalfAttentionAllowsTheWeightsRoundedToTheInputDtype) {
  const int64_t S = 64, E = 16;
  const auto round_bf16 = [](double x) {
    float f = static_cast<float>(x);
    uint32_t bits = 0;
    std::memcpy(&bits, &f, 4);
    bits = (bits + 0x7FFFu + ((bits >> 16) & 1u)) & 0xFFFF0000u;
    std::memcpy(&f, &bits, 4);
    return static_cast<double>(f);
  };
  std::vector<double> q = random(E), k = random(S * E), v = random(S * E);
  for (auto* t : {&q, &k, &v}) {
    for (double& x : *t) x = round_bf16(x);
  }
  auto attention = [&](bool round_weights, double scale) {
    std::vector<double> p(static_cast<size_t>(S));
    double top = -1e30, total = 0;
    for (int64_t j = 0; j < S; ++j) {
      double s = 0;
      for (int64_t e = 0; e < E; ++e)
        s += q[static_cast<size_t>(e)] * k[static_cast<size_t>(j * E + e)];
      p[static_cast<size_t>(j)] = s * scale;
      top = std::max(top, p[static_cast<size_t>(j)]);
    }
    for (double& x : p) total += (x = std::exp(x - top));
    std::vector<float> out(static_cast<size_t>(E));
    for (int64_t e = 0; e < E; ++e) {
      double o = 0;
      for (int64_t j = 0; j < S; ++j) {
        const double w = p[static_cast<size_t>(j)] / total;
        o += (round_weights ? round_bf16(w) : w) * v[static_cast<size_t>(j * E + e)];
      }
      out[static_cast<size_t>(e)] = static_cast<float>(o);
    }
    return out;
  };
  auto bf16 = [&](const std::string& name, std::vector<int64_t> sizes, std::vector<double> x) {
    store::TensorMeta t = tensor(name, std::move(sizes), std::move(x));
    t.dtype = DType::BFloat16;
    return t;
  };
  const double scale = 1 / std::sqrt(static_cast<double>(E));
  const std::vector<float> exact = attention(false, scale);
  const std::vector<float> rounded = attention(true, scale);
  const store::Call half =
      call("aten::scaled_dot_product_attention",
           {arg("query", bf16("q", {1, E}, q)), arg("key", bf16("k", {S, E}, k)),
            arg("value", bf16("v", {S, E}, v))},
           {1, E});
  EXPECT_TRUE(judge(half, rounded, exact).passed) << "weights rounded to bfloat16";
  EXPECT_FALSE(judge(half, attention(false, 1.0 / E), exact).passed) << "scale 1/E";
  // The same values as float32 inputs: the reduced copy is not allowed there.
  const store::Call full =
      call("aten::scaled_dot_product_attention",
           {arg("query", tensor("q", {1, E}, q)), arg("key", tensor("k", {S, E}, k)),
            arg("value", tensor("v", {S, E}, v))},
           {1, E});
  EXPECT_FALSE(judge(full, rounded, exact).passed) << "float32 inputs, bfloat16 weights";
}

TEST_F(Bounds, LayerNormNearItsMeanPassesAndAWrongEpsilonFails) {
  // Rows far from zero with a small spread: x - mean cancels.
  std::vector<double> x = random(3 * 64, 0.99, 1.01);
  const auto input = tensor("x", {3, 64}, x);
  const std::vector<double> w = random(64, 0.5, 1.5), b = random(64);
  const store::Call c = call(
      "aten::layer_norm",
      {arg("input", input), ints("normalized_shape", {64}), arg("weight", tensor("w", {64}, w)),
       arg("bias", tensor("b", {64}, b)), number("eps", 1e-5)},
      {3, 64});
  auto norm = [&](auto zero, bool eps_outside) {
    using T = decltype(zero);
    std::vector<float> out;
    for (size_t r = 0; r < 3; ++r) {
      T mean = 0, var = 0;
      for (size_t i = 0; i < 64; ++i) mean += static_cast<T>(x[r * 64 + i]);
      mean /= 64;
      for (size_t i = 0; i < 64; ++i)
        var += (static_cast<T>(x[r * 64 + i]) - mean) * (static_cast<T>(x[r * 64 + i]) - mean);
      var /= 64;
      const T rstd = eps_outside ? 1 / (std::sqrt(var) + static_cast<T>(1e-5))
                                 : 1 / std::sqrt(var + static_cast<T>(1e-5));
      for (size_t i = 0; i < 64; ++i) {
        out.push_back(static_cast<float>((static_cast<T>(x[r * 64 + i]) - mean) * rstd *
                                             static_cast<T>(w[i]) +
                                         static_cast<T>(b[i])));
      }
    }
    return out;
  };
  const std::vector<float> expected = norm(0.0, false);
  const Comparison ok = judge(c, norm(0.0f, false), expected);
  EXPECT_TRUE(ok.passed) << ok.failure;
  EXPECT_FALSE(judge(c, norm(0.0, true), expected).passed) << "eps after the square root";
}

TEST_F(Bounds, CumsumBoundGrowsAlongTheRun) {
  const std::vector<double> x = random(2 * 50);
  const store::Call c =
      call("aten::cumsum", {arg("self", tensor("x", {2, 50}, x)), integer("dim", 1)}, {2, 50});
  std::vector<float> expected(100), shifted(100);
  for (size_t r = 0; r < 2; ++r) {
    float s = 0;
    for (size_t j = 0; j < 50; ++j) {
      s += static_cast<float>(x[r * 50 + j]);
      expected[r * 50 + j] = s;
      shifted[r * 50 + j] = s - static_cast<float>(x[r * 50 + j]);  // exclusive scan
    }
  }
  EXPECT_TRUE(judge(c, expected, expected).passed);
  EXPECT_FALSE(judge(c, shifted, expected).passed) << "exclusive instead of inclusive";
}

TEST_F(Bounds, HalfOutputsAddOneRoundingOfTheirDtype) {
  const auto self = tensor("self", {300}, random(300));
  store::Call c = call("aten::sum", {arg("self", self)}, {});
  c.outputs[0].value.tensor.dtype = DType::Float16;
  const TensorValues values = [this](const store::TensorMeta& t) { return values_.at(t.hash); };
  const auto bound = forward_bound(c, 0, values, 4);
  ASSERT_TRUE(bound);
  EXPECT_EQ(bound->summary.output_roundoff, std::ldexp(1.0, -11));
  EXPECT_EQ(bound->summary.unit_roundoff, std::ldexp(1.0, -24)) << "torch sums half in float";
}

TEST_F(Bounds, TheQuickBoundFromShapesDecidesUnlessAResultCancels) {
  const std::vector<double> a = random(6 * 50), b = random(50 * 4);
  const store::Call mm =
      call("aten::mm", {arg("self", tensor("a", {6, 50}, a)), arg("mat2", tensor("b", {50, 4}, b))},
           {6, 4});
  const Tolerance tol = TolerancePolicy::defaults().lookup("aten::mm", DType::Float32, "cpu");
  int reads = 0;
  const TensorValues values = [&](const store::TensorMeta& t) {
    ++reads;
    return values_.at(t.hash);
  };
  auto run = [&](const store::Call& c, const std::vector<float>& got,
                 const std::vector<float>& want) {
    return compare_output(c, 0, DType::Float32, reinterpret_cast<const std::byte*>(got.data()),
                          reinterpret_cast<const std::byte*>(want.data()),
                          c.outputs[0].value.tensor.sizes, tol, values);
  };
  const Comparison quick = run(mm, matmul(a, b, 6, 50, 4, true), matmul(a, b, 6, 50, 4, false));
  EXPECT_TRUE(quick.passed) << quick.failure;
  EXPECT_TRUE(quick.bound_from_shapes);
  EXPECT_EQ(reads, 0) << "no input read when every element is within gamma(n)|expected|";
  // A full sum that cancels needs its terms: the quick bound fails it, the
  // full bound passes it.
  std::vector<double> x = random(200);
  double mean = 0;
  for (double v : x) mean += v / 200;
  for (double& v : x) v = static_cast<float>(v - mean);
  const store::Call sum = call("aten::sum", {arg("self", tensor("x", {200}, x))}, {});
  const Comparison full = run(sum, row_sums(x, 200, true), row_sums(x, 200, false));
  EXPECT_TRUE(full.passed) << full.failure;
  EXPECT_FALSE(full.bound_from_shapes);
  EXPECT_GT(reads, 0);
  EXPECT_FALSE(run(sum, row_sums(x, 200, true, 3), row_sums(x, 200, false)).passed);
}

TEST_F(Bounds, OpsWithoutABoundAndOtherOutputsFallBackToNmse) {
  const auto self = tensor("self", {4}, random(4));
  const TensorValues values = [this](const store::TensorMeta& t) { return values_.at(t.hash); };
  EXPECT_FALSE(forward_bound(call("aten::softmax.int", {arg("self", self)}, {4}), 0, values, 4));
  EXPECT_FALSE(forward_bound(call("aten::sum", {arg("self", self)}, {}), 1, values, 4));
  EXPECT_EQ(TolerancePolicy::defaults().lookup("aten::softmax.int", DType::Float32, "cpu").method,
            Method::Nmse);
  EXPECT_TRUE(TolerancePolicy::defaults().lookup("aten::sum", DType::Int64, "cpu").exact);
}

}  // namespace
}  // namespace tapml::replay
