// Layer norm over the rows of a strided [R, C] view; one work-group per row,
// fp32 throughout, two passes (mean, then squared deviations). Built with
// -D IN_DT, OUT_DT, and W_DT, BIAS_DT, MEAN_DT, RSTD_DT for the optional
// operands present. PLANT_WRONG_EPS is the planted layer-norm-wrong-eps bug:
// eps added after the square root instead of under it.
__kernel __attribute__((reqd_work_group_size(ROW_GROUP, 1, 1))) void layer_norm(
    src_t in, long in_off, long in_row_stride, long in_col_stride, src_t weight, long weight_off,
    long weight_stride, src_t bias, long bias_off, long bias_stride, dst_t out, long out_off,
    long out_row_stride, long out_col_stride, dst_t mean_out, long mean_off, long mean_stride,
    dst_t rstd_out, long rstd_off, long rstd_stride, long cols, float eps) {
  __local float scratch[ROW_GROUP];
  long row = get_group_id(0);
  int lid = get_local_id(0);
  long src = in_off + row * in_row_stride;

  float sum = 0.0f;
  for (long c = lid; c < cols; c += ROW_GROUP) sum += LOAD(IN_DT, in, src + c * in_col_stride);
  float mean = group_sum(scratch, sum) / (float)cols;
  float squares = 0.0f;
  for (long c = lid; c < cols; c += ROW_GROUP) {
    float d = LOAD(IN_DT, in, src + c * in_col_stride) - mean;
    squares += d * d;
  }
  float variance = group_sum(scratch, squares) / (float)cols;
#ifdef PLANT_WRONG_EPS
  float rstd = 1.0f / (sqrt(variance) + eps);
#else
  float rstd = 1.0f / sqrt(variance + eps);
#endif

  long dst = out_off + row * out_row_stride;
  for (long c = lid; c < cols; c += ROW_GROUP) {
    float y = (LOAD(IN_DT, in, src + c * in_col_stride) - mean) * rstd;
#ifdef W_DT
    y *= LOAD(W_DT, weight, weight_off + c * weight_stride);
#endif
#ifdef BIAS_DT
    y += LOAD(BIAS_DT, bias, bias_off + c * bias_stride);
#endif
    STORE(OUT_DT, out, dst + c * out_col_stride, y);
  }
  if (lid == 0) {
#ifdef MEAN_DT
    STORE(MEAN_DT, mean_out, mean_off + row * mean_stride, mean);
#endif
#ifdef RSTD_DT
    STORE(RSTD_DT, rstd_out, rstd_off + row * rstd_stride, rstd);
#endif
  }
}
