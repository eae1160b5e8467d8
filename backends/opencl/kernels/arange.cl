// out[i] = start + i * step along a 1-d strided out. Built with -D OUT_DT, CT,
// CT_FLOAT. Floats compute in double where the device has it, as torch does
// on the CPU, so that long ranges round as torch's do; ST is that type.
#if CT_FLOAT && defined(HAS_FP64)
#define ST double
#else
#define ST CT
#endif

__kernel void arange(__global uchar* out, long out_off, long out_stride, long n, ST start,
                     ST step) {
  long i = get_global_id(0);
  if (i >= n) return;
  CAT(store_, OUT_DT)(out, out_off + i * out_stride, start + (ST)i * step);
}
