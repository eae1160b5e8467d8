#version 450
// out[r, c] = in[index[r], c]. Slots: 0 in [N, C], 1 index [R], 2 out [R, C].
// Negative indices count from the end; an index out of range leaves a NaN
// row (integer outputs get 0).
#include "common.glsl"

layout(local_size_x = 256) in;

void main() {
  bool int_math = has_flag(kFlagIntMath);
  int64_t rows = int64_t(desc[0].sizes[0]);
  uint cols = desc[2].sizes[1];
  FOR_EACH_ITEM(i) {
    uint r = i / cols;
    uint c = i % cols;
    uint out_e = desc[2].offset + r * desc[2].strides[0] + c * desc[2].strides[1];
    int64_t row = load_i(1, desc[1].offset + r * desc[1].strides[0]);
    if (row < 0l) row += rows;
    if (row < 0l || row >= rows) {
      if (int_math) {
        store_i(2, out_e, 0l);
      } else {
        store_f(2, out_e, kNaN);
      }
      continue;
    }
    uint in_e = desc[0].offset + uint(row) * desc[0].strides[0] + c * desc[0].strides[1];
    if (int_math) {
      store_i(2, out_e, load_i(0, in_e));
    } else {
      store_f(2, out_e, load_f(0, in_e));
    }
  }
}
