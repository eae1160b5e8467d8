#version 450
// out[i] = start + i * step along a 1-d out (slot 0). Float outputs compute
// in double as torch does (ia, ib hold the bits of start and step); integer
// outputs in int64 (ia, ib are start and step).
#include "common.glsl"

layout(local_size_x = 256) in;

void main() {
  bool int_math = has_flag(kFlagIntMath);
  FOR_EACH_ITEM(i) {
    uint out_e = element_at(0, i);
    if (int_math) {
      store_i(0, out_e, pc.ia + int64_t(i) * pc.ib);
    } else {
      store_f(0, out_e, float(bits_to_double(pc.ia) + double(i) * bits_to_double(pc.ib)));
    }
  }
}
