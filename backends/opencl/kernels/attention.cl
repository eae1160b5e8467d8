// The softmax step of scaled dot-product attention, in place over fp32
// scores [B, L, S] (already q @ k^T * scale, contiguous), one work-group per
// (b, l) row: masked scores become -inf (bool mask false, or causal s > l +
// S - L) or get the float mask added, then the row is softmaxed. A row with
// nothing kept becomes zeros, as torch's math attention makes it. Built with
// MASK_DT (and MASK_BOOL for bool masks) when there is a mask.
__kernel __attribute__((reqd_work_group_size(ROW_GROUP, 1, 1))) void masked_softmax(
    __global float* scores, long scores_off, long L, long S, src_t mask, long mask_off, long mask_sb,
    long mask_sl, long mask_ss, int causal) {
  __local float scratch[ROW_GROUP];
  const long row = get_group_id(0);  // b * L + l
  const long b = row / L;
  const long l = row - b * L;
  const int lid = get_local_id(0);
  __global float* x = scores + scores_off + row * S;
  const long mask_row = mask_off + b * mask_sb + l * mask_sl;

  float max = -INFINITY;
  for (long s = lid; s < S; s += ROW_GROUP) {
    float v = x[s];
    if (causal && s > l + S - L) v = -INFINITY;
#ifdef MASK_DT
#ifdef MASK_BOOL
    if (CAT(load_, MASK_DT)(mask, mask_row + s * mask_ss) == 0) v = -INFINITY;
#else
    v += CAT(load_, MASK_DT)(mask, mask_row + s * mask_ss);
#endif
#endif
    x[s] = v;
    max = max_nan(max, v);
  }
  max = group_max(scratch, max);
  float sum = 0.0f;
  for (long s = lid; s < S; s += ROW_GROUP) sum += max == -INFINITY ? 0.0f : exp(x[s] - max);
  sum = group_sum(scratch, sum);
  for (long s = lid; s < S; s += ROW_GROUP) x[s] = max == -INFINITY ? 0.0f : exp(x[s] - max) / sum;
}
