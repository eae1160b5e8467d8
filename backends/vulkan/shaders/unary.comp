#version 450
// out[i] = op(in[i]) for every UnaryOp. Slots: 0 in, 1 out.
#include "common.glsl"
#include "math.glsl"

layout(local_size_x = 256) in;

// UnaryOp (backends/primitives.h).
const uint kCopy = 0;
const uint kNeg = 1;
const uint kAbs = 2;
const uint kExp = 3;
const uint kLog = 4;
const uint kSqrt = 5;
const uint kRsqrt = 6;
const uint kReciprocal = 7;
const uint kSin = 8;
const uint kCos = 9;
const uint kTanh = 10;
const uint kSigmoid = 11;
const uint kSilu = 12;
const uint kGeluErf = 13;
const uint kGeluTanh = 14;
const uint kRelu = 15;
const uint kBitwiseNot = 16;
const uint kClampMin = 17;
const uint kClampMax = 18;
const uint kClamp = 19;
const uint kPowScalar = 20;
const uint kFill = 21;
const uint kExpm1 = 22;
const uint kLog1p = 23;
const uint kSoftplus = 24;
const uint kErfinv = 25;

// Giles' single-precision erfinv ("Approximating the erfinv function",
// 2010), then one Newton step on erf.
float erfinv_accurate(float x) {
  if (abs(x) >= 1.0) return abs(x) == 1.0 ? x * kInf : kNaN;
  float w = -log((1.0 - x) * (1.0 + x));
  float p;
  if (w < 5.0) {
    w = w - 2.5;
    p = 2.81022636e-08;
    p = 3.43273939e-07 + p * w;
    p = -3.5233877e-06 + p * w;
    p = -4.39150654e-06 + p * w;
    p = 0.00021858087 + p * w;
    p = -0.00125372503 + p * w;
    p = -0.00417768164 + p * w;
    p = 0.246640727 + p * w;
    p = 1.50140941 + p * w;
  } else {
    w = sqrt(w) - 3.0;
    p = -0.000200214257;
    p = 0.000100950558 + p * w;
    p = 0.00134934322 + p * w;
    p = -0.00367342844 + p * w;
    p = 0.00573950773 + p * w;
    p = -0.0076224613 + p * w;
    p = 0.00943887047 + p * w;
    p = 1.00167406 + p * w;
    p = 2.83297682 + p * w;
  }
  float y = p * x;
  return y - (erf_accurate(y) - x) / (1.1283791670955126 * exp(-y * y));
}

// exp(x) - 1 and log(1 + x) without the cancellation near 0 (Kahan's
// rewrites: the rounding of exp or of 1 + x divides out).
float expm1_accurate(float x) {
  float u = exp(x);
  if (u == 1.0) return x;
  float um1 = u - 1.0;
  if (um1 == -1.0) return -1.0;
  return isinf(u) ? u : um1 * x / log(u);
}

float log1p_accurate(float x) {
  float u = 1.0 + x;
  if (u == 1.0) return x;
  return isinf(u) ? log(u) : log(u) * x / (u - 1.0);
}

float apply_float(uint op, float x) {
  float a = pc.fa;
  float b = pc.fb;
  switch (op) {
    case kCopy: return x;
    case kNeg: return -x;
    case kAbs: return abs(x);
    case kExp: return exp(x);
    case kLog: return log(x);
    case kSqrt: return sqrt(x);
    case kRsqrt: return inversesqrt(x);
    case kReciprocal: return 1.0 / x;
    case kSin: return sin_accurate(x);
    case kCos: return cos_accurate(x);
    case kTanh: return tanh_stable(x);
    case kSigmoid: return 1.0 / (1.0 + exp(-x));
    case kSilu: return x / (1.0 + exp(-x));
    case kGeluErf: return 0.5 * x * (1.0 + erf_accurate(x * 0.70710678118654752));
    case kGeluTanh: {
      float inner = 0.79788456080286536 * (x + 0.044715 * x * x * x);
      return 0.5 * x * (1.0 + tanh_stable(inner));
    }
    case kRelu: return isnan(x) ? x : max(x, 0.0);
    case kBitwiseNot: return x == 0.0 ? 1.0 : 0.0;
    // NaN propagates through clamp, as in torch.
    case kClampMin: return isnan(x) ? x : max(x, a);
    case kClampMax: return isnan(x) ? x : min(x, b);
    case kClamp: return isnan(x) ? x : min(max(x, a), b);
    case kPowScalar: return pow_float(x, a);
    case kExpm1: return expm1_accurate(x);
    case kLog1p: return log1p_accurate(x);
    case kSoftplus: return x * a > b ? x : log1p_accurate(exp(x * a)) / a;
    case kErfinv: return erfinv_accurate(x);
  }
  return kNaN;
}

int64_t apply_int(uint op, int64_t x, bool out_is_bool) {
  int64_t a = pc.ia;
  int64_t b = pc.ib;
  switch (op) {
    case kCopy: return x;
    case kNeg: return -x;
    case kAbs: return x < 0l ? -x : x;
    case kRelu: return x < 0l ? 0l : x;
    case kBitwiseNot: return out_is_bool ? (x == 0l ? 1l : 0l) : ~x;
    case kClampMin: return max(x, a);
    case kClampMax: return min(x, b);
    case kClamp: return min(max(x, a), b);
    case kPowScalar: return pow_int(x, a);
  }
  return 0l;
}

void main() {
  bool int_math = has_flag(kFlagIntMath);
  bool out_is_bool = dtype_of(1) == kBool;
  FOR_EACH_ITEM(i) {
    uint out_e = element_at(1, i);
    if (kOp == kFill) {
      if (int_math) {
        store_i(1, out_e, pc.ia);
      } else {
        store_f(1, out_e, pc.fa);
      }
      continue;
    }
    uint in_e = element_at(0, i);
    if (int_math) {
      store_i(1, out_e, apply_int(kOp, load_i(0, in_e), out_is_bool));
    } else if (kOp == kCopy && dtype_of(0) == kF64 && dtype_of(1) == kF64) {
      store_i64_raw(1, out_e, load_i64_raw(0, in_e));  // bit-exact double copy
    } else {
      store_f(1, out_e, apply_float(kOp, load_f(0, in_e)));
    }
  }
}
