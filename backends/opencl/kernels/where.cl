// out[i] = cond[i] ? a[i] : b[i] over strided views. Built with -D C_DT and
// either RAW_T (a, b and out share a dtype: copied bit for bit) or A_DT, B_DT,
// OUT_DT, CT (converted).
#ifdef RAW_T
#define VALUE_T RAW_T
#define PICK(p, i, dt) (((__global const RAW_T*)(p))[i])
#define PUT(p, i, v) (((__global RAW_T*)(p))[i] = (v))
#else
#define VALUE_T CT
#define PICK(p, i, dt) LOAD(dt, p, i)
#define PUT(p, i, v) STORE(OUT_DT, p, i, v)
#endif

__kernel void where(__global const uchar* cond, long cond_off, long8 cond_strides,
                    __global const uchar* a, long a_off, long8 a_strides, __global const uchar* b,
                    long b_off, long8 b_strides, __global uchar* out, long out_off,
                    long8 out_strides, long8 sizes, int rank, long n) {
  long i = get_global_id(0);
  if (i >= n) return;
  long c[MAX_RANK];
  coords_of(i, rank, sizes, c);
  bool keep_a = CAT(load_, C_DT)(cond, cond_off + offset_of(c, rank, cond_strides)) != 0;
  VALUE_T v = keep_a ? PICK(a, a_off + offset_of(c, rank, a_strides), A_DT)
                     : PICK(b, b_off + offset_of(c, rank, b_strides), B_DT);
  PUT(out, out_off + offset_of(c, rank, out_strides), v);
}
