// A workgroup per row, for the row kernels (softmax, layer norm): their
// group-wide sum and max over `g_scratch`. Only kernels that call these are
// given this file (webgpu_kernels.cpp).

var<workgroup> g_scratch: array<f32, 256>;

fn group_reduce(v: f32, tid: u32, take_max: bool) -> f32 {
  g_scratch[tid] = v;
  workgroupBarrier();
  for (var stride = 128u; stride > 0u; stride = stride >> 1u) {
    if (tid < stride) {
      let other = g_scratch[tid + stride];
      let mine = g_scratch[tid];
      g_scratch[tid] = select(mine + other,
                              select(max(mine, other), nan_f32(), is_nan(mine) || is_nan(other)),
                              take_max);
    }
    workgroupBarrier();
  }
  let result = g_scratch[0];
  workgroupBarrier();
  return result;
}
