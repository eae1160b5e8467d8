// Softmax or log-softmax along the rows of a strided [R, C] view; one
// work-group per row, fp32 throughout. Built with -D IN_DT, OUT_DT.
__kernel __attribute__((reqd_work_group_size(ROW_GROUP, 1, 1))) void softmax(
    src_t in, long in_off, long in_row_stride, long in_col_stride, dst_t out, long out_off,
    long out_row_stride, long out_col_stride, long cols, int log_softmax) {
  __local float scratch[ROW_GROUP];
  long row = get_group_id(0);
  int lid = get_local_id(0);
  long src = in_off + row * in_row_stride;
  long dst = out_off + row * out_row_stride;

  float max = -INFINITY;
  for (long c = lid; c < cols; c += ROW_GROUP) {
    max = max_nan(max, LOAD(IN_DT, in, src + c * in_col_stride));
  }
  max = group_max(scratch, max);
  float sum = 0.0f;
  for (long c = lid; c < cols; c += ROW_GROUP) {
    sum += exp(LOAD(IN_DT, in, src + c * in_col_stride) - max);
  }
  sum = group_sum(scratch, sum);
  float log_sum = log(sum);
  for (long c = lid; c < cols; c += ROW_GROUP) {
    float shifted = LOAD(IN_DT, in, src + c * in_col_stride) - max;
    STORE(OUT_DT, out, dst + c * out_col_stride,
          log_softmax ? shifted - log_sum : exp(shifted) / sum);
  }
}
