// Inclusive cumulative sum along the last dim; one work item per row, which
// it walks in order, accumulating in CT (fp32, or int64 for integers).
// Built with -D IN_DT, OUT_DT, CT, CT_FLOAT.
__kernel void cumsum(src_t in, long in_off, long8 row_in_strides, long in_step, dst_t out,
                     long out_off, long8 row_out_strides, long out_step, long8 row_sizes,
                     int row_rank, long rows, long n) {
  long row = get_global_id(0);
  if (row >= rows) return;
  long c[MAX_RANK];
  coords_of(row, row_rank, row_sizes, c);
  long src = in_off + offset_of(c, row_rank, row_in_strides);
  long dst = out_off + offset_of(c, row_rank, row_out_strides);
  CT sum = (CT)0;
  for (long i = 0; i < n; ++i) {
    sum += LOAD(IN_DT, in, src + i * in_step);
    STORE(OUT_DT, out, dst + i * out_step, sum);
  }
}
