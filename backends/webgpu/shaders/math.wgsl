// Float functions whose accuracy does not rest on the implementation: WGSL
// states sin/cos only to 2^-11 absolute on [-pi, pi] and tanh as inherited
// from its formula; it has no erf. The same algorithms as the Vulkan
// backend's math.glsl, so both judge alike.

// NaN and inf from a variable's bits: a constant expression that evaluates
// to either is a shader-creation error in WGSL (Chromium's Tint refuses it),
// and the tests look at the bits, since WGSL lets a compiler assume finite
// floats when it folds `x != x`.
fn nan_f32() -> f32 { var bits = 0x7fc00000u; return bitcast<f32>(bits); }
fn inf_f32() -> f32 { var bits = 0x7f800000u; return bitcast<f32>(bits); }
fn is_nan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn is_inf(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u; }

// Cephes sinf/cosf: Cody-Waite reduction by pi/4 in three parts, then
// minimax polynomials; about 1 ulp for |x| < 8192.
fn sin_cos_poly(x_in: f32, want_cos: bool) -> f32 {
  if (is_nan(x_in) || is_inf(x_in)) { return nan_f32(); }
  var sign = 1.0;
  if (!want_cos && x_in < 0.0) { sign = -1.0; }
  let x = abs(x_in);
  var j = u32(x * 1.27323954473516);
  var y = f32(j);
  if ((j & 1u) != 0u) { j = j + 1u; y = y + 1.0; }
  j = j & 7u;
  if (want_cos) {
    if (j > 3u) { j = j - 4u; sign = -sign; }
    if (j > 1u) { sign = -sign; }
  } else if (j > 3u) {
    sign = -sign;
    j = j - 4u;
  }
  let z = ((x - y * 0.78515625) - y * 2.4187564849853515625e-4) - y * 3.77489497744594108e-8;
  let zz = z * z;
  let cos_part = ((2.443315711809948e-5 * zz - 1.388731625493765e-3) * zz +
                  4.166664568298827e-2) * zz * zz - 0.5 * zz + 1.0;
  let sin_part = ((-1.9515295891e-4 * zz + 8.3321608736e-3) * zz - 1.6666654611e-1) * zz * z + z;
  let odd_octant = j == 1u || j == 2u;
  let use_cos = select(odd_octant, !odd_octant, want_cos);
  return sign * select(sin_part, cos_part, use_cos);
}

// Cephes tanhf: a polynomial near 0 (no cancellation), exp beyond.
fn tanh_accurate(x: f32) -> f32 {
  if (is_nan(x)) { return x; }
  let z = abs(x);
  if (z < 0.625) {
    let s = x * x;
    return ((((-5.70498872745e-3 * s + 2.06390887954e-2) * s - 5.37397155531e-2) * s +
             1.33314422036e-1) * s - 3.33332819422e-1) * s * x + x;
  }
  if (z > 15.0) { return sign(x); }
  let e = exp(2.0 * z);
  return sign(x) * (1.0 - 2.0 / (e + 1.0));
}

// erf with |error| < 1.2e-7 (the Numerical Recipes erfc Chebyshev fit).
fn erf_accurate(x: f32) -> f32 {
  let z = abs(x);
  let t = 1.0 / (1.0 + 0.5 * z);
  let r = t * exp(-z * z - 1.26551223 +
                  t * (1.00002368 +
                  t * (0.37409196 +
                  t * (0.09678418 +
                  t * (-0.18628806 +
                  t * (0.27886807 +
                  t * (-1.13520398 +
                  t * (1.48851587 +
                  t * (-0.82215223 + t * 0.17087277)))))))));
  return select(r - 1.0, 1.0 - r, x >= 0.0);
}

fn is_integral(y: f32) -> bool { return floor(y) == y; }

// x ** y with torch's special cases; exact for small integer exponents.
fn pow_float(x: f32, y: f32) -> f32 {
  if (y == 0.0) { return 1.0; }
  if (y == 1.0) { return x; }
  if (y == 2.0) { return x * x; }
  if (y == 3.0) { return x * x * x; }
  if (y == 0.5) { return sqrt(x); }
  if (y == -0.5) { return inverseSqrt(x); }
  if (y == -1.0) { return 1.0 / x; }
  if (is_nan(x) || is_nan(y)) { return nan_f32(); }
  let magnitude = exp2(y * log2(abs(x)));
  if (x < 0.0) {
    if (!is_integral(y)) { return nan_f32(); }
    let odd = y - 2.0 * floor(y / 2.0) == 1.0;
    return select(magnitude, -magnitude, odd);
  }
  return magnitude;
}

fn pow_int(x: i32, y_in: i32) -> i32 {
  if (y_in < 0) {
    if (x == 1) { return 1; }
    if (x == -1) { return select(1, -1, (y_in & 1) != 0); }
    return 0;
  }
  var result = 1;
  var base = x;
  var y = y_in;
  while (y > 0) {
    if ((y & 1) != 0) { result = int_mul(result, base); }
    if (y > 1) { base = int_mul(base, base); }
    y = y >> 1u;
  }
  return result;
}
