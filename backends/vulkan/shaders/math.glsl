// Float functions with accuracy that does not depend on the driver: GLSL's
// built-in sin/cos are only specified on [-pi, pi] and NVIDIA's lose digits
// for the large angles of rotary embeddings; GLSL has no erf; tanh of large
// arguments overflows in some implementations.


// Cephes sinf/cosf: Cody-Waite reduction by pi/4 in three parts, then
// minimax polynomials; about 1 ulp for |x| < 8192.
float sin_cos_poly(float x, bool want_cos) {
  if (isnan(x) || isinf(x)) return kNaN;
  float sign = 1.0;
  if (!want_cos && x < 0.0) {
    x = -x;
    sign = -1.0;
  }
  x = abs(x);
  uint j = uint(x * 1.27323954473516);  // 4 / pi
  float y = float(j);
  if ((j & 1u) != 0u) {
    ++j;
    y += 1.0;
  }
  j &= 7u;
  if (want_cos) {
    if (j > 3u) {
      j -= 4u;
      sign = -sign;
    }
    if (j > 1u) sign = -sign;
  } else if (j > 3u) {
    sign = -sign;
    j -= 4u;
  }
  float z = ((x - y * 0.78515625) - y * 2.4187564849853515625e-4) - y * 3.77489497744594108e-8;
  float zz = z * z;
  float cos_part = ((2.443315711809948e-5 * zz - 1.388731625493765e-3) * zz +
                    4.166664568298827e-2) * zz * zz - 0.5 * zz + 1.0;
  float sin_part =
      ((-1.9515295891e-4 * zz + 8.3321608736e-3) * zz - 1.6666654611e-1) * zz * z + z;
  bool odd_octant = j == 1u || j == 2u;
  bool use_cos = want_cos ? !odd_octant : odd_octant;
  return sign * (use_cos ? cos_part : sin_part);
}

float sin_accurate(float x) { return sin_cos_poly(x, false); }
float cos_accurate(float x) { return sin_cos_poly(x, true); }

float tanh_stable(float x) { return tanh(clamp(x, -15.0, 15.0)); }

// erf with |error| < 1.2e-7: W. J. Cody's rational approximations are long;
// this is the Numerical Recipes erfc Chebyshev fit, accurate to 1.2e-7.
float erf_accurate(float x) {
  float z = abs(x);
  float t = 1.0 / (1.0 + 0.5 * z);
  float r = t * exp(-z * z - 1.26551223 +
                    t * (1.00002368 +
                         t * (0.37409196 +
                              t * (0.09678418 +
                                   t * (-0.18628806 +
                                        t * (0.27886807 +
                                             t * (-1.13520398 +
                                                  t * (1.48851587 +
                                                       t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0.0 ? 1.0 - r : r - 1.0;
}

bool is_integral(float y) { return floor(y) == y; }

// x ** y with torch's special cases; exact for small integer exponents.
float pow_float(float x, float y) {
  if (y == 0.0) return 1.0;
  if (y == 1.0) return x;
  if (y == 2.0) return x * x;
  if (y == 3.0) return x * x * x;
  if (y == 0.5) return sqrt(x);
  if (y == -0.5) return inversesqrt(x);
  if (y == -1.0) return 1.0 / x;
  if (isnan(x) || isnan(y)) return kNaN;
  float magnitude = exp2(y * log2(abs(x)));
  if (x < 0.0) {
    if (!is_integral(y)) return kNaN;
    return mod(y, 2.0) == 1.0 ? -magnitude : magnitude;
  }
  return magnitude;
}

int64_t pow_int(int64_t x, int64_t y) {
  if (y < 0l) return x == 1l ? 1l : (x == -1l ? ((y & 1l) != 0l ? -1l : 1l) : 0l);
  int64_t result = 1l;
  int64_t base = x;
  while (y > 0l) {
    if ((y & 1l) != 0l) result *= base;
    base *= base;
    y >>= 1;
  }
  return result;
}
