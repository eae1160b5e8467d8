// dst = in0 converted to dst's dtype (UnaryOp::Copy): one invocation per
// element, strided on both sides. 64-bit values of one dtype are copied as
// words (nothing to lose); integer to integer goes through i32 (an int64
// outside its range marks `status`); anything else through f32.
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) id: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  let stride = groups.x * 256u;
  let out_dtype = params.desc[0].dtype;
  let in_dtype = params.desc[1].dtype;
  let words = out_dtype == in_dtype && (out_dtype == kI64 || out_dtype == kF64);
  let integral = !is_floating(out_dtype) && !is_floating(in_dtype);
  for (var i = id.x; i < params.n; i = i + stride) {
    let in_at = element_at(1u, i);
    let out_at = element_at(0u, i);
    if (words) {
      atomicStore(&dst[2u * out_at], load_word(1u, 2u * in_at));
      atomicStore(&dst[2u * out_at + 1u], load_word(1u, 2u * in_at + 1u));
    } else if (integral) {
      store_i(out_at, load_i(1u, in_at));
    } else {
      store_f(out_at, load_f(1u, in_at));
    }
  }
}
