#version 450
// Scaled dot-product attention, one workgroup per query row (b, l), with an
// online softmax over chunks of 256 keys so that any key count fits.
// Slots: 0 q [B, L, E], 1 k [B, S, E], 2 v [B, S, Ev], 3 mask [B, L, S]
// (kFlagHasA; kFlagOption: bool mask keeps where true, else float mask adds),
// 4 out [B, L, Ev]. kFlagOption2: causal (keep s <= l + S - L). fa = scale.
// Needs E <= kMaxHeadDim and Ev <= kMaxHeadDim (the host checks).
#include "common.glsl"

const uint kGroupSize = 256;
const uint kMaxHeadDim = 1024;
const uint kValuesPerInvocation = kMaxHeadDim / kGroupSize;

layout(local_size_x = 256) in;

shared float s_query[kMaxHeadDim];
shared float s_prob[kGroupSize];
shared float s_reduce[kGroupSize];

float group_reduce(float v, bool take_max) {
  uint tid = gl_LocalInvocationID.x;
  s_reduce[tid] = v;
  barrier();
  for (uint stride = kGroupSize / 2u; stride > 0u; stride >>= 1) {
    if (tid < stride) {
      float other = s_reduce[tid + stride];
      s_reduce[tid] = take_max ? max(s_reduce[tid], other) : s_reduce[tid] + other;
    }
    barrier();
  }
  float result = s_reduce[0];
  barrier();
  return result;
}

void main() {
  uint tid = gl_LocalInvocationID.x;
  uint queries = desc[0].sizes[1];
  uint head_dim = desc[0].sizes[2];
  uint keys = desc[1].sizes[1];
  uint value_dim = desc[2].sizes[2];
  bool has_mask = has_flag(kFlagHasA);
  bool bool_mask = has_flag(kFlagOption);
  bool causal = has_flag(kFlagOption2);
  for (uint row = gl_WorkGroupID.x; row < pc.n; row += gl_NumWorkGroups.x) {
    uint b = row / queries;
    uint l = row % queries;
    uint q_row = desc[0].offset + b * desc[0].strides[0] + l * desc[0].strides[1];
    for (uint e = tid; e < head_dim; e += kGroupSize) {
      s_query[e] = load_f(0, q_row + e * desc[0].strides[2]);
    }
    barrier();
    float running_max = -kInf;
    float running_sum = 0.0;
    float acc[kValuesPerInvocation];
    for (uint j = 0u; j < kValuesPerInvocation; ++j) acc[j] = 0.0;
    for (uint s0 = 0u; s0 < keys; s0 += kGroupSize) {
      uint s = s0 + tid;
      float score = -kInf;
      bool visible = s < keys && (!causal || int(s) <= int(l) + int(keys) - int(queries));
      if (visible) {
        uint k_row = desc[1].offset + b * desc[1].strides[0] + s * desc[1].strides[1];
        float dot = 0.0;
        for (uint e = 0u; e < head_dim; ++e) dot += s_query[e] * load_f(1, k_row + e * desc[1].strides[2]);
        score = dot * pc.fa;
        if (has_mask) {
          uint m_e = desc[3].offset + b * desc[3].strides[0] + l * desc[3].strides[1] +
                     s * desc[3].strides[2];
          if (bool_mask) {
            if (!load_bool(3, m_e)) score = -kInf;
          } else {
            score += load_f(3, m_e);
          }
        }
      }
      float new_max = max(running_max, group_reduce(score, true));
      bool any_visible = new_max != -kInf;
      float prob = any_visible ? exp(score - new_max) : 0.0;
      float rescale = any_visible ? exp(running_max - new_max) : 1.0;
      s_prob[tid] = prob;
      running_sum = running_sum * rescale + group_reduce(prob, false);
      running_max = new_max;
      uint chunk = min(kGroupSize, keys - s0);
      for (uint j = 0u; j < kValuesPerInvocation; ++j) {
        uint e = tid + j * kGroupSize;
        if (e >= value_dim) break;
        float weighted = 0.0;
        uint v_col = desc[2].offset + b * desc[2].strides[0] + e * desc[2].strides[2];
        for (uint t = 0u; t < chunk; ++t) {
          weighted += s_prob[t] * load_f(2, v_col + (s0 + t) * desc[2].strides[1]);
        }
        acc[j] = acc[j] * rescale + weighted;
      }
      barrier();
    }
    uint out_row = desc[4].offset + b * desc[4].strides[0] + l * desc[4].strides[1];
    for (uint j = 0u; j < kValuesPerInvocation; ++j) {
      uint e = tid + j * kGroupSize;
      if (e < value_dim) store_f(4, out_row + e * desc[4].strides[2], acc[j] / running_sum);
    }
    barrier();  // s_query is rewritten for the next row
  }
}
