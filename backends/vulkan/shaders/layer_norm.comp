#version 450
// Layer norm over the last dim. Slots: 0 in [R, C], 1 out [R, C], 2 weight [C]
// (kFlagHasA), 3 bias [C] (kFlagHasB), 4 mean [R] (kFlagHasC), 5 rstd [R]
// (kFlagHasD). fa = eps. Two-pass variance in fp32.
// Planted bug layer-norm-wrong-eps (kFlagBug): eps added after the square root.
#include "common.glsl"
#include "rows.glsl"

void process_row(uint row, uint lane, uint lanes, bool cooperative) {
  uint cols = desc[0].sizes[1];
  uint in_row = desc[0].offset + row * desc[0].strides[0];
  uint in_col = desc[0].strides[1];
  float total = 0.0;
  for (uint c = lane; c < cols; c += lanes) total += load_f(0, in_row + c * in_col);
  float mean = group_sum(total, cooperative) / float(cols);
  float squares = 0.0;
  for (uint c = lane; c < cols; c += lanes) {
    float d = load_f(0, in_row + c * in_col) - mean;
    squares += d * d;
  }
  float variance = group_sum(squares, cooperative) / float(cols);
  float rstd = has_flag(kFlagBug) ? 1.0 / (sqrt(variance) + pc.fa) : inversesqrt(variance + pc.fa);
  bool has_weight = has_flag(kFlagHasA);
  bool has_bias = has_flag(kFlagHasB);
  uint out_row = desc[1].offset + row * desc[1].strides[0];
  for (uint c = lane; c < cols; c += lanes) {
    float y = (load_f(0, in_row + c * in_col) - mean) * rstd;
    if (has_weight) y *= load_f(2, desc[2].offset + c * desc[2].strides[0]);
    if (has_bias) y += load_f(3, desc[3].offset + c * desc[3].strides[0]);
    store_f(1, out_row + c * desc[1].strides[1], y);
  }
  if (lane == 0u) {
    if (has_flag(kFlagHasC)) store_f(4, desc[4].offset + row * desc[4].strides[0], mean);
    if (has_flag(kFlagHasD)) store_f(5, desc[5].offset + row * desc[5].strides[0], rstd);
  }
}
