// dst[b] = beta * in2[b] + alpha * (in0[b] @ in1[b]), all strided, f32
// accumulation: in0 a [B, M, K], in1 w [B, K, N], in2 bias (flags bit 0;
// broadcast by strides), dst [B, M, N]; fa = alpha, fb = beta. Planted bug
// matmul-ignores-stride (flags bit 1): w read as if contiguous;
// matmul-bf16-accumulate (bit 2, with a bfloat16 operand): every partial
// sum rounded to bfloat16. A 16 x 16
// output tile per workgroup (an element per invocation), 16-deep slices of a
// and w staged in workgroup memory; tiles are walked grid-stride over
// batches x row tiles x column tiles.

const kTile = 16u;

var<workgroup> a_tile: array<f32, 256>;
var<workgroup> w_tile: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_id) local: vec3<u32>,
        @builtin(workgroup_id) group: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  let tid = local.x;
  let ty = tid / kTile;
  let tx = tid % kTile;
  let batches = params.desc[0].sizes[0];
  let rows = params.desc[0].sizes[1];
  let cols = params.desc[0].sizes[2];
  let depth = params.desc[1].sizes[2];
  let tiles_m = (rows + kTile - 1u) / kTile;
  let tiles_n = (cols + kTile - 1u) / kTile;
  let tiles = batches * tiles_m * tiles_n;
  for (var tile = group.x; tile < tiles; tile = tile + groups.x) {
    let b = tile / (tiles_m * tiles_n);
    let m0 = ((tile / tiles_n) % tiles_m) * kTile;
    let n0 = (tile % tiles_n) * kTile;
    let m = m0 + ty;
    let n = n0 + tx;
    var acc = 0.0;
    for (var k0 = 0u; k0 < depth; k0 = k0 + kTile) {
      // a_tile[ty][tx] = a[b, m0 + ty, k0 + tx]; w_tile[ty][tx] = w[b, k0 + ty, n0 + tx]
      var av = 0.0;
      if (m < rows && k0 + tx < depth) {
        av = load_f(1u, params.desc[1].offset + b * params.desc[1].strides[0] +
                            m * params.desc[1].strides[1] + (k0 + tx) * params.desc[1].strides[2]);
      }
      var wv = 0.0;
      if (k0 + ty < depth && n < cols) {
        var w_at = params.desc[2].offset + b * params.desc[2].strides[0] +
                   (k0 + ty) * params.desc[2].strides[1] + n * params.desc[2].strides[2];
        if ((params.flags & 2u) != 0u) {
          w_at = params.desc[2].offset + (b * depth + k0 + ty) * cols + n;
        }
        wv = load_f(2u, w_at);
      }
      a_tile[tid] = av;
      w_tile[tid] = wv;
      workgroupBarrier();
      let steps = min(kTile, depth - k0);
      let bf16_bug = bf16_accumulate_bug();
      for (var kk = 0u; kk < steps; kk = kk + 1u) {
        acc = accumulate(acc + a_tile[ty * kTile + kk] * w_tile[kk * kTile + tx], bf16_bug);
      }
      workgroupBarrier();
    }
    if (m < rows && n < cols) { store_product(b, m, n, acc); }
  }
}
