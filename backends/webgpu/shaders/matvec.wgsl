// The matmul of matmul.wgsl (same operands, flags and planted bugs) for a
// product of few rows (M <= 4: a decode step's linear layers), where a
// 16 x 16 output tile would leave most of its invocations idle: a
// workgroup computes 8 output columns of one row, 32 invocations per column
// each summing every 32nd term of the dot product (consecutive k, which a
// transposed linear weight holds contiguously), then a tree sum of the 32
// in workgroup memory. Output elements are walked grid-stride over
// batches x rows x column groups.

const kLanes = 32u;
const kColumns = 8u;

var<workgroup> partial: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_id) local: vec3<u32>,
        @builtin(workgroup_id) group: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  let tid = local.x;
  let lane = tid % kLanes;
  let column = tid / kLanes;
  let batches = params.desc[0].sizes[0];
  let rows = params.desc[0].sizes[1];
  let cols = params.desc[0].sizes[2];
  let depth = params.desc[1].sizes[2];
  let column_groups = (cols + kColumns - 1u) / kColumns;
  let items = batches * rows * column_groups;
  let bf16_bug = bf16_accumulate_bug();
  for (var item = group.x; item < items; item = item + groups.x) {
    let b = item / (rows * column_groups);
    let m = (item / column_groups) % rows;
    let n = (item % column_groups) * kColumns + column;
    var acc = 0.0;
    if (n < cols) {
      let a_row = params.desc[1].offset + b * params.desc[1].strides[0] +
                  m * params.desc[1].strides[1];
      for (var k = lane; k < depth; k = k + kLanes) {
        var w_at = params.desc[2].offset + b * params.desc[2].strides[0] +
                   k * params.desc[2].strides[1] + n * params.desc[2].strides[2];
        if ((params.flags & 2u) != 0u) {
          w_at = params.desc[2].offset + (b * depth + k) * cols + n;
        }
        acc = accumulate(acc + load_f(1u, a_row + k * params.desc[1].strides[2]) * load_f(2u, w_at),
                         bf16_bug);
      }
    }
    partial[tid] = acc;
    workgroupBarrier();
    for (var stride = kLanes / 2u; stride > 0u; stride = stride / 2u) {
      if (lane < stride) {
        partial[tid] = accumulate(partial[tid] + partial[tid + stride], bf16_bug);
      }
      workgroupBarrier();
    }
    if (lane == 0u && n < cols) { store_product(b, m, n, partial[tid]); }
    workgroupBarrier();  // partial is reused by the next item
  }
}
