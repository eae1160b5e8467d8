// dst[r, c] = in0[in1[r], c]: in0 [N, C], in1 the row indices [R], dst
// [R, C]. Negative indices count from the end; one out of range leaves a
// NaN row (0 for integer outputs). flags bit 0: integer math.

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) id: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  let int_math = (params.flags & 1u) != 0u;
  let rows = i32(params.desc[1].sizes[0]);
  let cols = params.desc[0].sizes[1];
  for (var i = id.x; i < params.n; i = i + groups.x * 256u) {
    let r = i / cols;
    let c = i % cols;
    let out_at = params.desc[0].offset + r * params.desc[0].strides[0] + c * params.desc[0].strides[1];
    var row = load_i(2u, params.desc[2].offset + r * params.desc[2].strides[0]);
    if (row < 0) { row = row + rows; }
    if (row < 0 || row >= rows) {
      if (int_math) { store_i(out_at, 0); } else { store_f(out_at, nan_f32()); }
      continue;
    }
    let in_at = params.desc[1].offset + u32(row) * params.desc[1].strides[0] + c * params.desc[1].strides[1];
    if (int_math) { store_i(out_at, load_i(1u, in_at)); } else { store_f(out_at, load_f(1u, in_at)); }
  }
}
