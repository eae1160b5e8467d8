// Prepended to every program. The host builds each program with -D options
// naming the dtype of each operand (tokens F32, F64, F16, BF16, I64, I32, I16,
// I8, U8, BOOL) and CT, the compute type (float, or long when no operand is
// floating; CT_FLOAT says which). Tensors arrive as a byte pointer, an element
// offset and strides; LOAD and STORE convert between an element and CT.
#ifdef HAS_FP64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#endif

#ifndef CT
#define CT float
#define CT_FLOAT 1
#endif

#define MAX_RANK 8
#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
// LOAD(F16, p, i): element i of p converted to CT. STORE(F16, p, i, v): the reverse.
#define LOAD(dt, p, i) ((CT)CAT(load_, dt)(p, i))
#if CT_FLOAT
#define STORE(dt, p, i, v) CAT(storef_, dt)(p, i, v)
#else
#define STORE(dt, p, i, v) CAT(store_, dt)(p, i, v)
#endif
// x != x is NaN for floats and never true for integers, so it serves both.
#define IS_NAN(x) ((x) != (x))

typedef __global const uchar* src_t;
typedef __global uchar* dst_t;

inline float load_F32(src_t p, long i) { return ((__global const float*)p)[i]; }
inline float load_F16(src_t p, long i) { return vload_half(i, (__global const half*)p); }
inline float load_BF16(src_t p, long i) {
  return as_float((uint)((__global const ushort*)p)[i] << 16);
}
inline long load_I64(src_t p, long i) { return ((__global const long*)p)[i]; }
inline int load_I32(src_t p, long i) { return ((__global const int*)p)[i]; }
inline short load_I16(src_t p, long i) { return ((__global const short*)p)[i]; }
inline char load_I8(src_t p, long i) { return ((__global const char*)p)[i]; }
inline uchar load_U8(src_t p, long i) { return p[i]; }
inline uchar load_BOOL(src_t p, long i) { return p[i] != 0; }

// store_<dt> takes the dtype's natural value (float, double or long);
// storef_<dt> takes a float, converted to integers as torch's CPU kernels do
// (toward zero, saturating, NaN to 0). STORE picks by the compute type.
inline void store_F32(dst_t p, long i, float v) { ((__global float*)p)[i] = v; }
inline void store_F16(dst_t p, long i, float v) { vstore_half_rte(v, i, (__global half*)p); }
// Round to nearest even, as torch converts; NaN stays a quiet NaN.
inline void store_BF16(dst_t p, long i, float v) {
  uint u = as_uint(v);
  ushort r = isnan(v) ? (ushort)0x7fc0 : (ushort)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
  ((__global ushort*)p)[i] = r;
}
inline void storef_F32(dst_t p, long i, float v) { store_F32(p, i, v); }
inline void storef_F16(dst_t p, long i, float v) { store_F16(p, i, v); }
inline void storef_BF16(dst_t p, long i, float v) { store_BF16(p, i, v); }
// Integers narrow through long, so that negative values wrap as a C cast does.
#define INT_STORES(dt, type)                                                         \
  inline void store_##dt(dst_t p, long i, long v) { ((__global type*)p)[i] = (type)v; } \
  inline void storef_##dt(dst_t p, long i, float v) { store_##dt(p, i, convert_long_sat(v)); }
INT_STORES(I64, long)
INT_STORES(I32, int)
INT_STORES(I16, short)
INT_STORES(I8, char)
INT_STORES(U8, uchar)
inline void store_BOOL(dst_t p, long i, long v) { p[i] = v != 0; }
inline void storef_BOOL(dst_t p, long i, float v) { p[i] = v != 0.0f; }

#ifdef HAS_FP64
inline double load_F64(src_t p, long i) { return ((__global const double*)p)[i]; }
inline void store_F64(dst_t p, long i, double v) { ((__global double*)p)[i] = v; }
inline void storef_F64(dst_t p, long i, float v) { store_F64(p, i, v); }
#endif

// Coordinates of row-major linear index i over sizes[0..rank).
inline void coords_of(long i, int rank, long8 sizes, long* c) {
  long size[MAX_RANK];
  vstore8(sizes, 0, size);
  for (int d = rank - 1; d > 0; --d) {
    long q = i / size[d];
    c[d] = i - q * size[d];
    i = q;
  }
  c[0] = i;
}

// Element offset of coordinates c in a view with these strides.
inline long offset_of(const long* c, int rank, long8 strides) {
  long stride[MAX_RANK];
  vstore8(strides, 0, stride);
  long off = 0;
  for (int d = 0; d < rank; ++d) off += c[d] * stride[d];
  return off;
}

// fp16 rounding of an fp32 value, for the planted sum-fp16-accumulate bug.
inline float round_to_half(float v) {
  ushort bits[1];  // OpenCL 1.2 allows half only behind pointers
  vstore_half_rte(v, 0, (half*)bits);
  return vload_half(0, (const half*)bits);
}

// Powers with the exponents models use done exactly, as torch special-cases them.
inline float float_pow(float x, float e) {
  if (e == 2.0f) return x * x;
  if (e == 1.0f) return x;
  if (e == 0.5f) return sqrt(x);
  if (e == -1.0f) return 1.0f / x;
  return pow(x, e);
}

// Sum and max of v over a work-group whose size is a power of two, through
// `scratch` (one float per work item). Every item gets the result.
inline float group_sum(__local float* scratch, float v) {
  int lid = get_local_id(0);
  scratch[lid] = v;
  barrier(CLK_LOCAL_MEM_FENCE);
  for (int s = get_local_size(0) / 2; s > 0; s >>= 1) {
    if (lid < s) scratch[lid] += scratch[lid + s];
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  float total = scratch[0];
  barrier(CLK_LOCAL_MEM_FENCE);  // before scratch is written again
  return total;
}

// NaN wins, as in torch's max.
inline float max_nan(float a, float b) { return isnan(a) || a > b ? a : b; }

inline float group_max(__local float* scratch, float v) {
  int lid = get_local_id(0);
  scratch[lid] = v;
  barrier(CLK_LOCAL_MEM_FENCE);
  for (int s = get_local_size(0) / 2; s > 0; s >>= 1) {
    if (lid < s) scratch[lid] = max_nan(scratch[lid], scratch[lid + s]);
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  float total = scratch[0];
  barrier(CLK_LOCAL_MEM_FENCE);
  return total;
}

// Work-group size of the row kernels (softmax, layer norm, attention).
#define ROW_GROUP 128
