#version 450
// out[b] = beta * bias[b] + alpha * (a[b] @ w[b]), all strided, fp32
// accumulation. Slots: 0 a [B, M, K], 1 w [B, K, N], 2 bias [B, M, N]
// (kFlagHasA, broadcast by strides), 3 out [B, M, N]. fa = alpha, fb = beta.
// kFlagOption: w's K stride is 1, so tiles of w load K-fastest.
// Two variants by specialisation constant:
// - tiled: a BM x BN output tile per workgroup, BK-deep slices of a and w in
//   shared memory, each invocation a TM x TN register block;
// - row-stream (kStream): for few rows (M <= TM, e.g. a decoder's one token),
//   each invocation owns one column n and TM rows; slices of a are shared and
//   w is read once, straight from memory.
// Planted bug matmul-ignores-stride (kFlagBug): w read as if contiguous.
// Planted bug matmul-bf16-accumulate (kFlagBug2): with a bfloat16 operand,
// every partial sum is rounded to bfloat16.
#include "common.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint BM = 64;
layout(constant_id = 2) const uint BN = 64;
layout(constant_id = 3) const uint BK = 16;
layout(constant_id = 4) const uint TM = 4;
layout(constant_id = 5) const uint TN = 4;
layout(constant_id = 6) const bool kStream = false;

const uint kThreads = (BM / TM) * (BN / TN);
const uint kMaxTile = 8 * 8;  // TM * TN <= 64

shared float a_tile[BK * BM];
shared float w_tile[BK * BN];

uint g_k;
uint g_a_sm; uint g_a_sk; uint g_w_sk; uint g_w_sn;
uint g_n;
uint g_a_base;
uint g_w_base;
bool g_w_contiguous_bug;
bool g_a_f32;  // fp32 operands load their words directly; other dtypes convert
bool g_w_f32;

// acc + product; rounded to bfloat16 under the planted bug (all constants:
// the driver folds the test away).
float accumulate(float acc, float product) {
  float sum = acc + product;
  bool bf16_bug = has_flag(kFlagBug2) && (kDtype0 == kBF16 || kDtype1 == kBF16);
  return bf16_bug ? bf16_bits_to_float(float_to_bf16_bits(sum)) : sum;
}

float load_a(uint m, uint kk) {
  uint e = g_a_base + m * g_a_sm + kk * g_a_sk;
  return g_a_f32 ? uintBitsToFloat(data[0].w[e]) : load_f(0, e);
}

float load_w(uint kk, uint n) {
  if (g_w_contiguous_bug) return load_f(1, g_w_base + kk * g_n + n);
  uint e = g_w_base + kk * g_w_sk + n * g_w_sn;
  return g_w_f32 ? uintBitsToFloat(data[1].w[e]) : load_f(1, e);
}

void store_result(uint batch, uint m, uint n, float value) {
  float result = pc.fa * value;
  if (has_flag(kFlagHasA)) {
    uint bias_e = desc[2].offset + batch * desc[2].strides[0] + m * desc[2].strides[1] +
                  n * desc[2].strides[2];
    result += pc.fb * load_f(2, bias_e);
  }
  store_f(3, desc[3].offset + batch * desc[3].strides[0] + m * desc[3].strides[1] +
                 n * desc[3].strides[2], result);
}

void tiled(uint batch, uint rows) {
  uint tid = gl_LocalInvocationID.x;
  uint threads_n = BN / TN;
  uint tn = tid % threads_n;
  uint tm = tid / threads_n;
  uint m0 = gl_WorkGroupID.y * BM;
  uint n0 = gl_WorkGroupID.x * BN;
  bool k_fastest = has_flag(kFlagOption);
  float acc[kMaxTile];
  for (uint i = 0u; i < TM * TN; ++i) acc[i] = 0.0;
  for (uint k0 = 0u; k0 < g_k; k0 += BK) {
    for (uint i = tid; i < BM * BK; i += kThreads) {
      uint kk = i % BK;
      uint mm = i / BK;
      bool inside = m0 + mm < rows && k0 + kk < g_k;
      a_tile[kk * BM + mm] = inside ? load_a(m0 + mm, k0 + kk) : 0.0;
    }
    for (uint i = tid; i < BK * BN; i += kThreads) {
      uint kk = k_fastest ? i % BK : i / BN;
      uint nn = k_fastest ? i / BK : i % BN;
      bool inside = n0 + nn < g_n && k0 + kk < g_k;
      w_tile[kk * BN + nn] = inside ? load_w(k0 + kk, n0 + nn) : 0.0;
    }
    barrier();
    for (uint kk = 0u; kk < BK; ++kk) {
      float a_reg[8];
      float w_reg[8];
      for (uint i = 0u; i < TM; ++i) a_reg[i] = a_tile[kk * BM + tm + i * (BM / TM)];
      for (uint j = 0u; j < TN; ++j) w_reg[j] = w_tile[kk * BN + tn + j * threads_n];
      for (uint i = 0u; i < TM; ++i) {
        for (uint j = 0u; j < TN; ++j) acc[i * TN + j] = accumulate(acc[i * TN + j], a_reg[i] * w_reg[j]);
      }
    }
    barrier();
  }
  for (uint i = 0u; i < TM; ++i) {
    uint m = m0 + tm + i * (BM / TM);
    for (uint j = 0u; j < TN; ++j) {
      uint n = n0 + tn + j * threads_n;
      if (m < rows && n < g_n) store_result(batch, m, n, acc[i * TN + j]);
    }
  }
}

void stream(uint batch, uint rows) {
  uint tid = gl_LocalInvocationID.x;
  uint m0 = gl_WorkGroupID.y * TM;
  uint n = gl_WorkGroupID.x * kThreads + tid;
  float acc[8];
  for (uint i = 0u; i < TM; ++i) acc[i] = 0.0;
  for (uint k0 = 0u; k0 < g_k; k0 += BK) {
    for (uint i = tid; i < TM * BK; i += kThreads) {
      uint kk = i % BK;
      uint mm = i / BK;
      bool inside = m0 + mm < rows && k0 + kk < g_k;
      a_tile[mm * BK + kk] = inside ? load_a(m0 + mm, k0 + kk) : 0.0;
    }
    barrier();
    if (n < g_n) {
      uint depth = min(BK, g_k - k0);
      for (uint kk = 0u; kk < depth; ++kk) {
        float wv = load_w(k0 + kk, n);
        for (uint i = 0u; i < TM; ++i) acc[i] = accumulate(acc[i], a_tile[i * BK + kk] * wv);
      }
    }
    barrier();
  }
  for (uint i = 0u; i < TM; ++i) {
    if (n < g_n && m0 + i < rows) store_result(batch, m0 + i, n, acc[i]);
  }
}

void main() {
  uint batches = desc[3].sizes[0];
  uint rows = desc[3].sizes[1];
  g_n = desc[3].sizes[2];
  g_k = desc[0].sizes[2];
  g_w_contiguous_bug = has_flag(kFlagBug);
  g_a_f32 = dtype_of(0) == kF32;
  g_w_f32 = dtype_of(1) == kF32;
  g_a_sm = desc[0].strides[1]; g_a_sk = desc[0].strides[2]; g_w_sk = desc[1].strides[1]; g_w_sn = desc[1].strides[2];
  for (uint batch = gl_WorkGroupID.z; batch < batches; batch += gl_NumWorkGroups.z) {
    g_a_base = desc[0].offset + batch * desc[0].strides[0];
    g_w_base = desc[1].offset + batch * (g_w_contiguous_bug ? g_k * g_n : desc[1].strides[0]);
    if (kStream) {
      stream(batch, rows);
    } else {
      tiled(batch, rows);
    }
  }
}
