// dst[i] = op(in0[i]) for every UnaryOp (backends/primitives.h; params.k is
// the op, flags bit 0 integer math, fa/fb and ia/ib the op's a and b).
// Copy keeps its own kernel (copy.wgsl) for exact 64-bit copies.

const kNeg = 1u;
const kAbs = 2u;
const kExp = 3u;
const kLog = 4u;
const kSqrt = 5u;
const kRsqrt = 6u;
const kReciprocal = 7u;
const kSin = 8u;
const kCos = 9u;
const kTanh = 10u;
const kSigmoid = 11u;
const kSilu = 12u;
const kGeluErf = 13u;
const kGeluTanh = 14u;
const kRelu = 15u;
const kBitwiseNot = 16u;
const kClampMin = 17u;
const kClampMax = 18u;
const kClamp = 19u;
const kPowScalar = 20u;
const kFill = 21u;
const kExpm1 = 22u;
const kLog1p = 23u;
const kSoftplus = 24u;
const kErfinv = 25u;

// Giles' single-precision erfinv, then one Newton step on erf.
fn erfinv_accurate(x: f32) -> f32 {
  if (abs(x) >= 1.0) { return select(nan_f32(), x * inf_f32(), abs(x) == 1.0); }
  var w = -log((1.0 - x) * (1.0 + x));
  var p: f32;
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
  let y = p * x;
  return y - (erf_accurate(y) - x) / (1.1283791670955126 * exp(-y * y));
}

// Kahan's exp(x) - 1 and log(1 + x): the rounding of exp or 1 + x divides out.
fn expm1_accurate(x: f32) -> f32 {
  let u = exp(x);
  if (u == 1.0) { return x; }
  let um1 = u - 1.0;
  if (um1 == -1.0) { return -1.0; }
  if (is_inf(u)) { return u; }
  return um1 * x / log(u);
}

fn log1p_accurate(x: f32) -> f32 {
  let u = 1.0 + x;
  if (u == 1.0) { return x; }
  if (is_inf(u)) { return log(u); }
  return log(u) * x / (u - 1.0);
}

fn apply_float(op: u32, x: f32) -> f32 {
  let a = params.fa;
  let b = params.fb;
  switch (op) {
    case 1u: { return -x; }
    case 2u: { return abs(x); }
    case 3u: { return exp(x); }
    case 4u: { return log(x); }
    case 5u: { return sqrt(x); }
    case 6u: { return inverseSqrt(x); }
    case 7u: { return 1.0 / x; }
    case 8u: { return sin_cos_poly(x, false); }
    case 9u: { return sin_cos_poly(x, true); }
    case 10u: { return tanh_accurate(x); }
    case 11u: { return 1.0 / (1.0 + exp(-x)); }
    case 12u: { return x / (1.0 + exp(-x)); }
    case 13u: { return 0.5 * x * (1.0 + erf_accurate(x * 0.70710678118654752)); }
    case 14u: {
      let inner = 0.79788456080286536 * (x + 0.044715 * x * x * x);
      return 0.5 * x * (1.0 + tanh_accurate(inner));
    }
    // NaN propagates through relu and clamp, as in torch (WGSL's max/min may not).
    case 15u: { return select(max(x, 0.0), x, is_nan(x)); }
    case 16u: { return select(0.0, 1.0, x == 0.0); }
    case 17u: { return select(max(x, a), x, is_nan(x)); }
    case 18u: { return select(min(x, b), x, is_nan(x)); }
    case 19u: { return select(min(max(x, a), b), x, is_nan(x)); }
    case 20u: { return pow_float(x, a); }
    case 22u: { return expm1_accurate(x); }
    case 23u: { return log1p_accurate(x); }
    case 24u: { return select(log1p_accurate(exp(x * a)) / a, x, x * a > b); }
    case 25u: { return erfinv_accurate(x); }
    default: { return x; }
  }
}

fn apply_int(op: u32, x: i32, out_is_bool: bool) -> i32 {
  let a = params.ia;
  let b = params.ib;
  switch (op) {
    case 1u: { return -x; }
    case 2u: { return abs(x); }
    case 15u: { return max(x, 0); }
    case 16u: { return select(~x, select(0, 1, x == 0), out_is_bool); }
    case 17u: { return max(x, a); }
    case 18u: { return min(x, b); }
    case 19u: { return min(max(x, a), b); }
    case 20u: { return pow_int(x, a); }
    default: { return x; }
  }
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) id: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  let stride = groups.x * 256u;
  let int_math = (params.flags & 1u) != 0u;
  let op = params.k;
  let out_is_bool = params.desc[0].dtype == kBool;
  for (var i = id.x; i < params.n; i = i + stride) {
    let out_at = element_at(0u, i);
    if (op == kFill) {
      if (int_math) { store_i(out_at, params.ia); } else { store_f(out_at, params.fa); }
      continue;
    }
    let in_at = element_at(1u, i);
    if (int_math) {
      store_i(out_at, apply_int(op, load_i(1u, in_at), out_is_bool));
    } else {
      store_f(out_at, apply_float(op, load_f(1u, in_at)));
    }
  }
}
