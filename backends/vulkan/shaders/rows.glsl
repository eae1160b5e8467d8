// Row-wise kernels run in one of two modes, picked by the host per call:
// cooperative (a 256-invocation workgroup per row, for long rows) or one
// invocation per row (for many short rows). `cooperative` is uniform across
// the workgroup, so the barriers below are always reached by all invocations.
const uint kGroupSize = 256;
const uint kModeRowPerInvocation = 1;

layout(local_size_x = 256) in;

shared float g_scratch[kGroupSize];

float group_reduce(float v, bool cooperative, bool take_max) {
  if (!cooperative) return v;
  uint tid = gl_LocalInvocationID.x;
  g_scratch[tid] = v;
  barrier();
  for (uint stride = kGroupSize / 2u; stride > 0u; stride >>= 1) {
    if (tid < stride) {
      float other = g_scratch[tid + stride];
      float mine = g_scratch[tid];
      g_scratch[tid] = take_max ? (isnan(mine) || isnan(other) ? kNaN : max(mine, other))
                                : mine + other;
    }
    barrier();
  }
  float result = g_scratch[0];
  barrier();
  return result;
}

float group_sum(float v, bool cooperative) { return group_reduce(v, cooperative, false); }
float group_max(float v, bool cooperative) { return group_reduce(v, cooperative, true); }

void process_row(uint row, uint lane, uint lanes, bool cooperative);

void main() {
  if (kMode == kModeRowPerInvocation) {
    FOR_EACH_ITEM(row) { process_row(row, 0u, 1u, false); }
  } else {
    for (uint row = gl_WorkGroupID.x; row < pc.n; row += gl_NumWorkGroups.x) {
      process_row(row, gl_LocalInvocationID.x, kGroupSize, true);
    }
  }
}
