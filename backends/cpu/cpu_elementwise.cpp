// Elementwise primitives: unary, binary, where, arange.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <string>

#include "backends/cpu/cpu_primitives.h"
#include "backends/cpu/elements.h"
#include "backends/cpu/host_tensor.h"

namespace tapml::backends::cpu {
namespace {

void require_same_sizes(const char* what, const Tensor& t, const Tensor& out) {
  if (t.sizes != out.sizes)
    throw BackendError(std::string("cpu: ") + what + " sizes differ from out");
}

template <typename T>
T integer_power(T base, T exponent) {
  if (exponent < 0) return base == 1 ? 1 : (base == -1 ? (exponent % 2 ? -1 : 1) : 0);
  T result = 1;
  for (; exponent > 0; exponent >>= 1, base *= base) {
    if (exponent & 1) result *= base;
  }
  return result;
}

// erfinv in double: Giles' approximation refined by two Newton steps on erf.
double erfinv(double x) {
  if (std::fabs(x) >= 1) {
    return std::fabs(x) == 1 ? x * std::numeric_limits<double>::infinity()
                             : std::numeric_limits<double>::quiet_NaN();
  }
  double w = -std::log((1 - x) * (1 + x));
  double p = 0;
  if (w < 5) {
    w -= 2.5;
    for (double c : {2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
                     -0.00125372503, -0.00417768164, 0.246640727, 1.50140941}) {
      p = c + p * w;
    }
  } else {
    w = std::sqrt(w) - 3;
    for (double c : {-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
                     -0.0076224613, 0.00943887047, 1.00167406, 2.83297682}) {
      p = c + p * w;
    }
  }
  double y = p * x;
  for (int step = 0; step < 2; ++step) {
    y -= (std::erf(y) - x) / (2 / std::sqrt(std::numbers::pi) * std::exp(-y * y));
  }
  return y;
}

template <typename T>
T unary_value(UnaryOp op, T x, const UnaryParams& p, bool in_is_bool) {
  const T a = static_cast<T>(p.a);
  const T b = static_cast<T>(p.b);
  switch (op) {
    case UnaryOp::Copy:
      return x;
    case UnaryOp::Neg:
      return -x;
    case UnaryOp::Abs:
      return x < 0 ? -x : x;
    case UnaryOp::Relu:
      return x > 0 ? x : T(0);
    case UnaryOp::ClampMin:
      return x < a ? a : x;
    case UnaryOp::ClampMax:
      return x > b ? b : x;
    case UnaryOp::Clamp:
      return std::min(std::max(x, a), b);
    case UnaryOp::Fill:
      return a;
    default:
      break;
  }
  if constexpr (std::is_floating_point_v<T>) {
    switch (op) {
      case UnaryOp::Exp:
        return std::exp(x);
      case UnaryOp::Log:
        return std::log(x);
      case UnaryOp::Sqrt:
        return std::sqrt(x);
      case UnaryOp::Rsqrt:
        return T(1) / std::sqrt(x);
      case UnaryOp::Reciprocal:
        return T(1) / x;
      case UnaryOp::Sin:
        return std::sin(x);
      case UnaryOp::Cos:
        return std::cos(x);
      case UnaryOp::Tanh:
        return std::tanh(x);
      case UnaryOp::Sigmoid:
        return T(1) / (T(1) + std::exp(-x));
      case UnaryOp::Silu:
        return x / (T(1) + std::exp(-x));
      case UnaryOp::GeluErf:
        return T(0.5) * x * (T(1) + std::erf(x * T(1 / std::numbers::sqrt2)));
      case UnaryOp::GeluTanh: {
        const T inner =
            T(std::numbers::sqrt2 * std::numbers::inv_sqrtpi) * (x + T(0.044715) * x * x * x);
        return T(0.5) * x * (T(1) + std::tanh(inner));
      }
      case UnaryOp::PowScalar:
        return std::pow(x, a);
      case UnaryOp::Expm1:
        return std::expm1(x);
      case UnaryOp::Log1p:
        return std::log1p(x);
      case UnaryOp::Softplus:
        return x * a > b ? x : std::log1p(std::exp(x * a)) / a;
      case UnaryOp::Erfinv:
        return static_cast<T>(erfinv(static_cast<double>(x)));
      default:
        break;
    }
  } else {
    switch (op) {
      case UnaryOp::BitwiseNot:
        return in_is_bool ? T(x == 0) : ~x;
      case UnaryOp::PowScalar:
        return integer_power(x, a);
      default:
        break;
    }
  }
  throw BackendError("cpu: unary op " + std::to_string(static_cast<int>(op)) + " has no " +
                     (std::is_floating_point_v<T> ? "float" : "integer") + " form");
}

template <typename T>
T binary_value(BinaryOp op, T a, T b, T alpha) {
  switch (op) {
    case BinaryOp::Add:
      return a + alpha * b;
    case BinaryOp::Sub:
      return a - alpha * b;
    case BinaryOp::Mul:
      return a * b;
    case BinaryOp::Eq:
      return a == b;
    case BinaryOp::Ne:
      return a != b;
    case BinaryOp::Lt:
      return a < b;
    case BinaryOp::Le:
      return a <= b;
    case BinaryOp::Gt:
      return a > b;
    case BinaryOp::Ge:
      return a >= b;
    case BinaryOp::LogicalAnd:
      return a != 0 && b != 0;
    case BinaryOp::LogicalOr:
      return a != 0 || b != 0;
    default:
      break;
  }
  if constexpr (std::is_floating_point_v<T>) {
    switch (op) {
      case BinaryOp::Div:
        return a / b;
      case BinaryOp::DivTrunc:
        return std::trunc(a / b);
      case BinaryOp::DivFloor:
        return std::floor(a / b);
      case BinaryOp::Pow:
        return std::pow(a, b);
      // torch's maximum and minimum propagate NaN.
      case BinaryOp::Max:
        return std::isnan(a) || std::isnan(b) ? a + b : std::max(a, b);
      case BinaryOp::Min:
        return std::isnan(a) || std::isnan(b) ? a + b : std::min(a, b);
      default:
        break;
    }
  } else {
    switch (op) {
      case BinaryOp::Div:
      case BinaryOp::DivTrunc:
        return b == 0 ? 0 : a / b;
      case BinaryOp::DivFloor: {
        if (b == 0) return 0;
        const T q = a / b;
        return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
      }
      case BinaryOp::Pow:
        return integer_power(a, b);
      case BinaryOp::Max:
        return std::max(a, b);
      case BinaryOp::Min:
        return std::min(a, b);
      case BinaryOp::BitwiseAnd:
        return a & b;
      case BinaryOp::BitwiseOr:
        return a | b;
      case BinaryOp::BitwiseXor:
        return a ^ b;
      default:
        break;
    }
  }
  throw BackendError("cpu: binary op " + std::to_string(static_cast<int>(op)) + " has no " +
                     (std::is_floating_point_v<T> ? "float" : "integer") + " form");
}

}  // namespace

void CpuPrimitives::unary(UnaryOp op, const Tensor& in, const Tensor& out, UnaryParams params) {
  std::byte* out_data = host_data(out);
  if (op == UnaryOp::Fill) {
    with_compute_type(compute_type({&out}), [&](auto zero) {
      using T = decltype(zero);
      const T value = unary_value<T>(op, T(0), params, false);
      for_each_offset<1>(out.sizes, {&out},
                         [&](const auto& o) { store<T>(out.dtype, out_data, o[0], value); });
    });
    return;
  }
  require_same_sizes("unary in", in, out);
  const std::byte* in_data = host_data(in);
  const bool in_is_bool = in.dtype == DType::Bool;
  with_compute_type(compute_type({&in, &out}), [&](auto zero) {
    using T = decltype(zero);
    for_each_offset<2>(out.sizes, {&in, &out}, [&](const auto& o) {
      const T x = load<T>(in.dtype, in_data, o[0]);
      store<T>(out.dtype, out_data, o[1], unary_value<T>(op, x, params, in_is_bool));
    });
  });
}

void CpuPrimitives::binary(BinaryOp op, const Tensor& a, const Tensor& b, const Tensor& out,
                           double alpha) {
  require_same_sizes("binary a", a, out);
  require_same_sizes("binary b", b, out);
  const std::byte* a_data = host_data(a);
  const std::byte* b_data = host_data(b);
  std::byte* out_data = host_data(out);
  // Planted bug: the last eighth of the output is never written.
  const int64_t limit = planted_bug("binary-partial-write") ? out.numel() - out.numel() / 8 : -1;
  // Planted bug racy-add: every second add dispatch puts a little extra into
  // the first element, as a race would: (|v| + 1) / 512 for floats, 1 for
  // integers.
  const bool racy =
      op == BinaryOp::Add && out.numel() > 0 && planted_bug_on_odd_dispatch("racy-add");
  with_compute_type(compute_type({&a, &b, &out}), [&](auto zero) {
    using T = decltype(zero);
    const T alpha_t = static_cast<T>(alpha);
    for_each_offset<3>(
        out.sizes, {&a, &b, &out},
        [&](const auto& o) {
          const T x = load<T>(a.dtype, a_data, o[0]);
          const T y = load<T>(b.dtype, b_data, o[1]);
          store<T>(out.dtype, out_data, o[2], binary_value<T>(op, x, y, alpha_t));
        },
        limit);
    if (racy) {
      const T v = load<T>(out.dtype, out_data, out.offset);
      if constexpr (std::is_floating_point_v<T>) {
        store<T>(out.dtype, out_data, out.offset, v + (std::abs(v) + 1) / 512);
      } else {
        store<T>(out.dtype, out_data, out.offset, v + 1);
      }
    }
  });
}

void CpuPrimitives::where(const Tensor& cond, const Tensor& a, const Tensor& b, const Tensor& out) {
  require_same_sizes("where cond", cond, out);
  require_same_sizes("where a", a, out);
  require_same_sizes("where b", b, out);
  const std::byte* cond_data = host_data(cond);
  const std::byte* a_data = host_data(a);
  const std::byte* b_data = host_data(b);
  std::byte* out_data = host_data(out);
  with_compute_type(compute_type({&a, &b, &out}), [&](auto zero) {
    using T = decltype(zero);
    for_each_offset<4>(out.sizes, {&cond, &a, &b, &out}, [&](const auto& o) {
      const bool take_a = load<int64_t>(cond.dtype, cond_data, o[0]) != 0;
      const T value = take_a ? load<T>(a.dtype, a_data, o[1]) : load<T>(b.dtype, b_data, o[2]);
      store<T>(out.dtype, out_data, o[3], value);
    });
  });
}

void CpuPrimitives::arange(double start, double step, const Tensor& out) {
  if (out.rank() != 1) throw BackendError("cpu: arange wants a 1-d out");
  std::byte* out_data = host_data(out);
  for (int64_t i = 0; i < out.sizes[0]; ++i) {
    const double value = start + static_cast<double>(i) * step;
    store<double>(out.dtype, out_data, out.offset + i * out.strides[0], value);
  }
}

}  // namespace tapml::backends::cpu
