#version 450
// Inclusive cumulative sum along the last dim, one invocation per row.
// Slots: 0 in, 1 out (same sizes). pc.n = rows; fp32 or int64 accumulation.
#include "common.glsl"

layout(local_size_x = 64) in;

void main() {
  bool int_math = has_flag(kFlagIntMath);
  uint rank = desc[0].rank;
  uint cols = desc[0].sizes[rank - 1u];
  FOR_EACH_ITEM(row) {
    uint in_e = desc[0].offset + strided_offset(0, row, 0u, rank - 1u);
    uint out_e = desc[1].offset + strided_offset(1, row, 0u, rank - 1u);
    float total = 0.0;
    int64_t total_i = 0l;
    for (uint c = 0u; c < cols; ++c) {
      uint ie = in_e + c * desc[0].strides[rank - 1u];
      uint oe = out_e + c * desc[1].strides[rank - 1u];
      if (int_math) {
        total_i += load_i(0, ie);
        store_i(1, oe, total_i);
      } else {
        total += load_f(0, ie);
        store_f(1, oe, total);
      }
    }
  }
}
