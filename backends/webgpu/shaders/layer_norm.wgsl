// Layer norm over the last dim, a workgroup per row: in0 [R, C], in1 weight
// [C] (flags bit 0), in2 bias [C] (flags bit 1), fa = eps; two-pass
// variance in f32. dst is the normalised [R, C] (params.k 0), or the row
// statistics native_layer_norm returns: mean [R] (params.k 1) or rstd [R]
// (params.k 2), each its own dispatch (WGSL kernels here have one output).
// Planted bug layer-norm-wrong-eps (bit 2): eps added after the square root.

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_id) local: vec3<u32>,
        @builtin(workgroup_id) group: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  let tid = local.x;
  let cols = params.desc[1].sizes[1];
  let in_col = params.desc[1].strides[1];
  let has_weight = (params.flags & 1u) != 0u;
  let has_bias = (params.flags & 2u) != 0u;
  for (var row = group.x; row < params.n; row = row + groups.x) {
    let in_row = params.desc[1].offset + row * params.desc[1].strides[0];
    var total = 0.0;
    for (var c = tid; c < cols; c = c + 256u) { total = total + load_f(1u, in_row + c * in_col); }
    let mean = group_reduce(total, tid, false) / f32(cols);
    var squares = 0.0;
    for (var c = tid; c < cols; c = c + 256u) {
      let d = load_f(1u, in_row + c * in_col) - mean;
      squares = squares + d * d;
    }
    let variance = group_reduce(squares, tid, false) / f32(cols);
    let rstd = select(inverseSqrt(variance + params.fa), 1.0 / (sqrt(variance) + params.fa),
                      (params.flags & 4u) != 0u);
    if (params.k == 1u || params.k == 2u) {
      if (tid == 0u) {
        store_f(params.desc[0].offset + row * params.desc[0].strides[0],
                select(rstd, mean, params.k == 1u));
      }
      continue;
    }
    let out_row = params.desc[0].offset + row * params.desc[0].strides[0];
    for (var c = tid; c < cols; c = c + 256u) {
      var y = (load_f(1u, in_row + c * in_col) - mean) * rstd;
      if (has_weight) { y = y * load_f(2u, params.desc[2].offset + c * params.desc[2].strides[0]); }
      if (has_bias) { y = y + load_f(3u, params.desc[3].offset + c * params.desc[3].strides[0]); }
      store_f(out_row + c * params.desc[0].strides[1], y);
    }
  }
}
