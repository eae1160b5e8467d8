// Inclusive cumulative sum along the last dim, an invocation per row:
// params.n rows; f32 or i32 (flags bit 0) accumulation.

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) id: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  let int_math = (params.flags & 1u) != 0u;
  let rank = params.desc[1].rank;
  let cols = params.desc[1].sizes[rank - 1u];
  for (var row = id.x; row < params.n; row = row + groups.x * 256u) {
    let in_at = params.desc[1].offset + strided_offset(1u, row, 0u, rank - 1u);
    let out_at = params.desc[0].offset + strided_offset(0u, row, 0u, rank - 1u);
    var total = 0.0;
    var total_i = 0;
    for (var c = 0u; c < cols; c = c + 1u) {
      let ie = in_at + c * params.desc[1].strides[rank - 1u];
      let oe = out_at + c * params.desc[0].strides[rank - 1u];
      if (int_math) {
        total_i = int_add(total_i, load_i(1u, ie));
        store_i(oe, total_i);
      } else {
        total = total + load_f(1u, ie);
        store_f(oe, total);
      }
    }
  }
}
