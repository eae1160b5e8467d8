// Softmax (flags bit 0: log-softmax) along the last dim: in0 [R, C] to dst
// [R, C], a workgroup per row. f32 throughout; a row of -inf gives NaN, as in
// torch.

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_id) local: vec3<u32>,
        @builtin(workgroup_id) group: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  let tid = local.x;
  let cols = params.desc[1].sizes[1];
  let log_softmax = (params.flags & 1u) != 0u;
  for (var row = group.x; row < params.n; row = row + groups.x) {
    let in_row = params.desc[1].offset + row * params.desc[1].strides[0];
    let out_row = params.desc[0].offset + row * params.desc[0].strides[0];
    var row_max = -inf_f32();
    for (var c = tid; c < cols; c = c + 256u) {
      let x = load_f(1u, in_row + c * params.desc[1].strides[1]);
      row_max = select(max(row_max, x), nan_f32(), is_nan(x) || is_nan(row_max));
    }
    row_max = group_reduce(row_max, tid, true);
    var total = 0.0;
    for (var c = tid; c < cols; c = c + 256u) {
      total = total + exp(load_f(1u, in_row + c * params.desc[1].strides[1]) - row_max);
    }
    total = group_reduce(total, tid, false);
    let log_total = log(total);
    for (var c = tid; c < cols; c = c + 256u) {
      let shifted = load_f(1u, in_row + c * params.desc[1].strides[1]) - row_max;
      store_f(out_row + c * params.desc[0].strides[1],
              select(exp(shifted) / total, shifted - log_total, log_softmax));
    }
  }
}
