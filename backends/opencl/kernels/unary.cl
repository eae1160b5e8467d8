// out[i] = op(in[i]) over strided views. Built with -D IN_DT, OUT_DT, CT,
// CT_FLOAT (and OUT_BOOL when out is bool); the op is an argument holding
// tapml::backends::UnaryOp's value. With RAW_T defined instead, the program
// holds copy_raw: a bit-exact copy between views of one dtype.
#ifdef RAW_T

__kernel void copy_raw(__global const RAW_T* in, long in_off, long8 in_strides,
                       __global RAW_T* out, long out_off, long8 out_strides, long8 sizes,
                       int rank, long n) {
  long i = get_global_id(0);
  if (i >= n) return;
  long c[MAX_RANK];
  coords_of(i, rank, sizes, c);
  out[out_off + offset_of(c, rank, out_strides)] = in[in_off + offset_of(c, rank, in_strides)];
}

#else

// The values of tapml::backends::UnaryOp.
enum {
  U_COPY, U_NEG, U_ABS, U_EXP, U_LOG, U_SQRT, U_RSQRT, U_RECIPROCAL, U_SIN, U_COS, U_TANH,
  U_SIGMOID, U_SILU, U_GELU_ERF, U_GELU_TANH, U_RELU, U_BITWISE_NOT, U_CLAMP_MIN, U_CLAMP_MAX,
  U_CLAMP, U_POW_SCALAR, U_FILL, U_EXPM1, U_LOG1P, U_SOFTPLUS, U_ERFINV
};

#if CT_FLOAT
// Giles' single-precision erfinv ("Approximating the erfinv function",
// 2010), then one Newton step on erf.
inline float erfinv_giles(float x) {
  if (fabs(x) >= 1.0f) return fabs(x) == 1.0f ? x * INFINITY : NAN;
  float w = -log((1.0f - x) * (1.0f + x));
  float p;
  if (w < 5.0f) {
    w = w - 2.5f;
    p = 2.81022636e-08f;
    p = 3.43273939e-07f + p * w;
    p = -3.5233877e-06f + p * w;
    p = -4.39150654e-06f + p * w;
    p = 0.00021858087f + p * w;
    p = -0.00125372503f + p * w;
    p = -0.00417768164f + p * w;
    p = 0.246640727f + p * w;
    p = 1.50140941f + p * w;
  } else {
    w = sqrt(w) - 3.0f;
    p = -0.000200214257f;
    p = 0.000100950558f + p * w;
    p = 0.00134934322f + p * w;
    p = -0.00367342844f + p * w;
    p = 0.00573950773f + p * w;
    p = -0.0076224613f + p * w;
    p = 0.00943887047f + p * w;
    p = 1.00167406f + p * w;
    p = 2.83297682f + p * w;
  }
  float y = p * x;
  return y - (erf(y) - x) / (1.1283791670955126f * exp(-y * y));
}
#endif

#if !CT_FLOAT
// Integer power by squaring; a negative exponent truncates 1/x^-e toward zero.
inline long int_pow(long x, long e) {
  if (e < 0) return x == 1 ? 1 : (x == -1 ? ((e & 1) ? -1 : 1) : 0);
  long r = 1;
  while (e > 0) {
    if (e & 1) r *= x;
    x *= x;
    e >>= 1;
  }
  return r;
}
#endif

inline CT apply_unary(int op, CT x, CT a, CT b) {
  switch (op) {
    case U_COPY: return x;
    case U_NEG: return -x;
    case U_CLAMP_MIN: return x < a ? a : x;
    case U_CLAMP_MAX: return x > b ? b : x;  // the bound is b, as the lowering passes it
    case U_CLAMP: {
      CT y = x < a ? a : x;
      return y > b ? b : y;
    }
    case U_RELU: return x > (CT)0 || IS_NAN(x) ? x : (CT)0;
    case U_FILL: return a;
#if CT_FLOAT
    case U_ABS: return fabs(x);
    case U_EXP: return exp(x);
    case U_LOG: return log(x);
    case U_SQRT: return sqrt(x);
    case U_RSQRT: return 1.0f / sqrt(x);
    case U_RECIPROCAL: return 1.0f / x;
    case U_SIN: return sin(x);
    case U_COS: return cos(x);
    case U_TANH: return tanh(x);
    case U_SIGMOID: return 1.0f / (1.0f + exp(-x));
    case U_SILU: return x / (1.0f + exp(-x));
    case U_GELU_ERF: return 0.5f * x * (1.0f + erf(x * M_SQRT1_2_F));
    case U_GELU_TANH: {
      const float beta = M_SQRT2_F * M_2_SQRTPI_F * 0.5f;  // sqrt(2 / pi)
      return 0.5f * x * (1.0f + tanh(beta * (x + 0.044715f * x * x * x)));
    }
    case U_BITWISE_NOT: return x == 0.0f ? 1.0f : 0.0f;
    case U_POW_SCALAR: return float_pow(x, a);
    case U_EXPM1: return expm1(x);
    case U_LOG1P: return log1p(x);
    case U_SOFTPLUS: return x * a > b ? x : log1p(exp(x * a)) / a;
    case U_ERFINV: return erfinv_giles(x);
#else
    case U_ABS: return x < 0 ? -x : x;
#ifdef OUT_BOOL
    case U_BITWISE_NOT: return x == 0 ? 1 : 0;
#else
    case U_BITWISE_NOT: return ~x;
#endif
    case U_POW_SCALAR: return int_pow(x, a);
#endif
    default: return x;
  }
}

__kernel void unary(__global const uchar* in, long in_off, long8 in_strides, __global uchar* out,
                    long out_off, long8 out_strides, long8 sizes, int rank, long n, int op, CT a,
                    CT b) {
  long i = get_global_id(0);
  if (i >= n) return;
  long c[MAX_RANK];
  coords_of(i, rank, sizes, c);
  CT x = op == U_FILL ? (CT)0 : LOAD(IN_DT, in, in_off + offset_of(c, rank, in_strides));
  STORE(OUT_DT, out, out_off + offset_of(c, rank, out_strides), apply_unary(op, x, a, b));
}

#endif
