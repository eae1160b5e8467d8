// out[i] = op(a[i], b[i]) over strided views. Built with -D A_DT, B_DT,
// OUT_DT, CT, CT_FLOAT; the op is an argument holding
// tapml::backends::BinaryOp's value. PLANT_PARTIAL_WRITE is the planted
// binary-partial-write bug: the last eighth of out stays unwritten.
// PLANT_RACY_EXTRA is the planted racy-add bug (the host defines it on every
// second add dispatch): the first element gets a little extra, as a race
// would: (|v| + 1) / 512 for floats, 1 for integers.

// The values of tapml::backends::BinaryOp.
enum {
  B_ADD, B_SUB, B_MUL, B_DIV, B_DIV_TRUNC, B_DIV_FLOOR, B_POW, B_MAX, B_MIN, B_EQ, B_NE, B_LT,
  B_LE, B_GT, B_GE, B_BITWISE_AND, B_BITWISE_OR, B_BITWISE_XOR, B_LOGICAL_AND, B_LOGICAL_OR
};

#if CT_FLOAT
// torch's floor division of floats (c10 div_floor_floating), sign of zero included.
inline float div_floor(float a, float b) {
  if (b == 0.0f) return a / b;
  float mod = fmod(a, b);
  float div = (a - mod) / b;
  if (mod != 0.0f && (b < 0.0f) != (mod < 0.0f)) div -= 1.0f;
  if (div == 0.0f) return copysign(0.0f, a / b);
  float floor_div = floor(div);
  return div - floor_div > 0.5f ? floor_div + 1.0f : floor_div;
}
inline float div_trunc(float a, float b) { return trunc(a / b); }
inline float power(float a, float b) { return float_pow(a, b); }
#else
// Integer division by zero traps on some CPUs; torch raises instead, so any
// value will do. LONG_MIN / -1 traps too, hence the -a.
inline long div_trunc(long a, long b) { return b == 0 ? 0 : (b == -1 ? -a : a / b); }
inline long div_floor(long a, long b) {
  long q = div_trunc(a, b);
  return b != 0 && b != -1 && a % b != 0 && (a < 0) != (b < 0) ? q - 1 : q;
}
inline long power(long a, long b) {
  if (b < 0) return a == 1 ? 1 : (a == -1 ? ((b & 1) ? -1 : 1) : 0);
  long r = 1;
  while (b > 0) {
    if (b & 1) r *= a;
    a *= a;
    b >>= 1;
  }
  return r;
}
#endif

inline CT apply_binary(int op, CT a, CT b, CT alpha) {
  switch (op) {
    case B_ADD: return a + alpha * b;
    case B_SUB: return a - alpha * b;
    case B_MUL: return a * b;
#if CT_FLOAT
    case B_DIV: return a / b;
#else
    case B_DIV: return div_trunc(a, b);
#endif
    case B_DIV_TRUNC: return div_trunc(a, b);
    case B_DIV_FLOOR: return div_floor(a, b);
    case B_POW: return power(a, b);
    case B_MAX: return IS_NAN(a) ? a : (IS_NAN(b) ? b : (a > b ? a : b));
    case B_MIN: return IS_NAN(a) ? a : (IS_NAN(b) ? b : (a < b ? a : b));
    case B_EQ: return a == b;
    case B_NE: return a != b;
    case B_LT: return a < b;
    case B_LE: return a <= b;
    case B_GT: return a > b;
    case B_GE: return a >= b;
    case B_BITWISE_AND: return (CT)((long)a & (long)b);
    case B_BITWISE_OR: return (CT)((long)a | (long)b);
    case B_BITWISE_XOR: return (CT)((long)a ^ (long)b);
    case B_LOGICAL_AND: return a != (CT)0 && b != (CT)0;
    case B_LOGICAL_OR: return a != (CT)0 || b != (CT)0;
    default: return a;
  }
}

__kernel void binary(__global const uchar* a, long a_off, long8 a_strides, __global const uchar* b,
                     long b_off, long8 b_strides, __global uchar* out, long out_off,
                     long8 out_strides, long8 sizes, int rank, long n, int op, CT alpha) {
  long i = get_global_id(0);
#ifdef PLANT_PARTIAL_WRITE
  n -= n / 8;
#endif
  if (i >= n) return;
  long c[MAX_RANK];
  coords_of(i, rank, sizes, c);
  CT x = LOAD(A_DT, a, a_off + offset_of(c, rank, a_strides));
  CT y = LOAD(B_DT, b, b_off + offset_of(c, rank, b_strides));
  CT v = apply_binary(op, x, y, alpha);
#ifdef PLANT_RACY_EXTRA
#if CT_FLOAT
  if (i == 0) v += (fabs(v) + (CT)1) / (CT)512;
#else
  if (i == 0) v += (CT)1;
#endif
#endif
  STORE(OUT_DT, out, out_off + offset_of(c, rank, out_strides), v);
}
