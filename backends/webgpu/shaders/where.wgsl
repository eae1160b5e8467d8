// dst[i] = in0[i] ? in1[i] : in2[i] (flags bit 0: integer math).

fn load_bool(t: u32, e: u32) -> bool {
  if (is_floating(params.desc[t].dtype)) { return load_f(t, e) != 0.0; }
  return load_i(t, e) != 0;
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) id: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  let stride = groups.x * 256u;
  let int_math = (params.flags & 1u) != 0u;
  for (var i = id.x; i < params.n; i = i + stride) {
    let pick = select(3u, 2u, load_bool(1u, element_at(1u, i)));
    let pick_at = element_at(pick, i);
    let out_at = element_at(0u, i);
    if (int_math) {
      store_i(out_at, load_i(pick, pick_at));
    } else {
      store_f(out_at, load_f(pick, pick_at));
    }
  }
}
