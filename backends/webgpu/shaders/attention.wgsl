// Scaled dot-product attention, a workgroup per query row (b, l), with an
// online softmax over chunks of 256 keys so that any key count fits: in0 q
// [B, L, E], in1 k [B, S, E], in2 v [B, S, Ev], in3 mask [B, L, S] (flags
// bit 0; bit 1: a bool mask keeps where true, else a float mask adds), dst
// [B, L, Ev]; flags bit 2: causal (keep s <= l + S - L); fa = scale.
// E and Ev at most 1024 (the host checks). The Vulkan kernel's algorithm.

const kMaxHeadDim = 1024u;

var<workgroup> s_query: array<f32, 1024>;
var<workgroup> s_prob: array<f32, 256>;
var<workgroup> s_reduce: array<f32, 256>;

fn attention_reduce(v: f32, tid: u32, take_max: bool) -> f32 {
  s_reduce[tid] = v;
  workgroupBarrier();
  for (var stride = 128u; stride > 0u; stride = stride >> 1u) {
    if (tid < stride) {
      let other = s_reduce[tid + stride];
      s_reduce[tid] = select(s_reduce[tid] + other, max(s_reduce[tid], other), take_max);
    }
    workgroupBarrier();
  }
  let result = s_reduce[0];
  workgroupBarrier();
  return result;
}

fn mask_keeps(e: u32) -> bool {
  if (is_floating(params.desc[4].dtype)) { return load_f(4u, e) != 0.0; }
  return load_i(4u, e) != 0;
}

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_id) local: vec3<u32>,
        @builtin(workgroup_id) group: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  let tid = local.x;
  let queries = params.desc[1].sizes[1];
  let head_dim = params.desc[1].sizes[2];
  let keys = params.desc[2].sizes[1];
  let value_dim = params.desc[3].sizes[2];
  let has_mask = (params.flags & 1u) != 0u;
  let bool_mask = (params.flags & 2u) != 0u;
  let causal = (params.flags & 4u) != 0u;
  for (var row = group.x; row < params.n; row = row + groups.x) {
    let b = row / queries;
    let l = row % queries;
    let q_row = params.desc[1].offset + b * params.desc[1].strides[0] + l * params.desc[1].strides[1];
    for (var e = tid; e < head_dim; e = e + 256u) {
      s_query[e] = load_f(1u, q_row + e * params.desc[1].strides[2]);
    }
    workgroupBarrier();
    var running_max = -inf_f32();
    var running_sum = 0.0;
    var acc: array<f32, 4>;
    for (var s0 = 0u; s0 < keys; s0 = s0 + 256u) {
      let s = s0 + tid;
      var score = -inf_f32();
      let visible = s < keys && (!causal || i32(s) <= i32(l) + i32(keys) - i32(queries));
      if (visible) {
        let k_row = params.desc[2].offset + b * params.desc[2].strides[0] + s * params.desc[2].strides[1];
        var dot = 0.0;
        for (var e = 0u; e < head_dim; e = e + 1u) {
          dot = dot + s_query[e] * load_f(2u, k_row + e * params.desc[2].strides[2]);
        }
        score = dot * params.fa;
        if (has_mask) {
          let m_e = params.desc[4].offset + b * params.desc[4].strides[0] +
                    l * params.desc[4].strides[1] + s * params.desc[4].strides[2];
          if (bool_mask) {
            if (!mask_keeps(m_e)) { score = -inf_f32(); }
          } else {
            score = score + load_f(4u, m_e);
          }
        }
      }
      let new_max = max(running_max, attention_reduce(score, tid, true));
      let any_visible = new_max != -inf_f32();
      let prob = select(0.0, exp(score - new_max), any_visible);
      let rescale = select(1.0, exp(running_max - new_max), any_visible);
      s_prob[tid] = prob;
      running_sum = running_sum * rescale + attention_reduce(prob, tid, false);
      running_max = new_max;
      let chunk = min(256u, keys - s0);
      for (var j = 0u; j < 4u; j = j + 1u) {
        let e = tid + j * 256u;
        if (e >= value_dim) { break; }
        var weighted = 0.0;
        let v_col = params.desc[3].offset + b * params.desc[3].strides[0] + e * params.desc[3].strides[2];
        for (var t = 0u; t < chunk; t = t + 1u) {
          weighted = weighted + s_prob[t] * load_f(3u, v_col + (s0 + t) * params.desc[3].strides[1]);
        }
        acc[j] = acc[j] * rescale + weighted;
      }
      workgroupBarrier();
    }
    let out_row = params.desc[0].offset + b * params.desc[0].strides[0] + l * params.desc[0].strides[1];
    for (var j = 0u; j < 4u; j = j + 1u) {
      let e = tid + j * 256u;
      if (e < value_dim) { store_f(out_row + e * params.desc[0].strides[2], acc[j] / running_sum); }
    }
    workgroupBarrier();
  }
}
