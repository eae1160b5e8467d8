// dst[i] = start + i * step along a 1-d dst: integers in i32 (ia, ib; the
// host checks the range), floats in f32 (fa, fb) as start + f32(i) * step.

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) id: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  let stride = groups.x * 256u;
  let int_math = (params.flags & 1u) != 0u;
  for (var i = id.x; i < params.n; i = i + stride) {
    let out_at = element_at(0u, i);
    if (int_math) {
      store_i(out_at, params.ia + i32(i) * params.ib);
    } else {
      store_f(out_at, params.fa + f32(i) * params.fb);
    }
  }
}
