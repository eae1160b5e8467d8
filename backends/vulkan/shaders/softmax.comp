#version 450
// Softmax (kFlagOption: log-softmax) along the last dim: slot 0 in [R, C],
// slot 1 out [R, C]. fp32 throughout; a row of -inf gives NaN, as in torch.
#include "common.glsl"
#include "rows.glsl"

void process_row(uint row, uint lane, uint lanes, bool cooperative) {
  uint cols = desc[0].sizes[1];
  uint in_row = desc[0].offset + row * desc[0].strides[0];
  uint out_row = desc[1].offset + row * desc[1].strides[0];
  float row_max = -kInf;
  for (uint c = lane; c < cols; c += lanes) {
    float x = load_f(0, in_row + c * desc[0].strides[1]);
    row_max = isnan(x) || isnan(row_max) ? kNaN : max(row_max, x);
  }
  row_max = group_max(row_max, cooperative);
  float total = 0.0;
  for (uint c = lane; c < cols; c += lanes) {
    total += exp(load_f(0, in_row + c * desc[0].strides[1]) - row_max);
  }
  total = group_sum(total, cooperative);
  bool log_softmax = has_flag(kFlagOption);
  float log_total = log(total);
  for (uint c = lane; c < cols; c += lanes) {
    float shifted = load_f(0, in_row + c * desc[0].strides[1]) - row_max;
    store_f(1, out_row + c * desc[1].strides[1],
            log_softmax ? shifted - log_total : exp(shifted) / total);
  }
}
