#version 450
// out[i] = cond[i] ? a[i] : b[i]. Slots: 0 cond, 1 a, 2 b, 3 out.
#include "common.glsl"

layout(local_size_x = 256) in;

void main() {
  bool int_math = has_flag(kFlagIntMath);
  FOR_EACH_ITEM(i) {
    uint src = load_bool(0, element_at(0, i)) ? 1u : 2u;
    uint src_e = element_at(src, i);
    uint out_e = element_at(3, i);
    if (int_math) {
      store_i(3, out_e, load_i(src, src_e));
    } else {
      store_f(3, out_e, load_f(src, src_e));
    }
  }
}
