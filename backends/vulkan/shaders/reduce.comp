#version 450
// Reduces the last pc.k dims of slot 0 into slot 1 (its leading dims).
// pc.n = output elements, pc.m = reduced extent. Float math in fp32, integer
// math in int64. ArgMax/ArgMin pick the first extreme; NaN counts as the
// maximum (and minimum), as in torch.
// Planted bugs: reduce-off-by-one (kFlagBug): Sum/Mean skip the last element;
// sum-fp16-accumulate (kFlagBug2): Sum/Mean accumulate sequentially in fp16.
#include "common.glsl"
#include "rows.glsl"

// ReduceOp (backends/primitives.h).
const uint kSum = 0;
const uint kMean = 1;
const uint kMax = 2;
const uint kMin = 3;
const uint kProd = 4;
const uint kArgMax = 5;
const uint kArgMin = 6;
const uint kAny = 7;
const uint kAll = 8;
const uint kNorm2 = 9;

const uint kNoIndex = 0xffffffffu;

struct Acc {
  float f;
  int64_t i;
  uint idx;
};

shared float s_f[kGroupSize];
shared int64_t s_i[kGroupSize];
shared uint s_idx[kGroupSize];

bool is_sum_like(uint op) { return op == kSum || op == kMean || op == kNorm2; }

Acc acc_init(uint op) {
  switch (op) {
    case kMax:
    case kArgMax: return Acc(-kInf, int64_t(0x8000000000000000ul), kNoIndex);
    case kMin:
    case kArgMin: return Acc(kInf, int64_t(0x7ffffffffffffffful), kNoIndex);
    case kProd:
    case kAll: return Acc(1.0, 1l, kNoIndex);
  }
  return Acc(0.0, 0l, kNoIndex);
}

// Whether b beats a for ArgMax (want_max) or ArgMin: NaN first, then the
// extreme value, then the lower index.
bool beats(Acc b, Acc a, bool int_math, bool want_max) {
  if (b.idx == kNoIndex) return false;
  if (a.idx == kNoIndex) return true;
  if (!int_math) {
    if (isnan(a.f)) return isnan(b.f) && b.idx < a.idx;
    if (isnan(b.f)) return true;
    if (b.f == a.f) return b.idx < a.idx;
    return want_max ? b.f > a.f : b.f < a.f;
  }
  if (b.i == a.i) return b.idx < a.idx;
  return want_max ? b.i > a.i : b.i < a.i;
}

float nan_max(float a, float b) { return isnan(a) || isnan(b) ? kNaN : max(a, b); }
float nan_min(float a, float b) { return isnan(a) || isnan(b) ? kNaN : min(a, b); }

Acc combine(uint op, bool int_math, Acc a, Acc b) {
  switch (op) {
    case kArgMax: return beats(b, a, int_math, true) ? b : a;
    case kArgMin: return beats(b, a, int_math, false) ? b : a;
    case kMax:
    case kAny: return Acc(nan_max(a.f, b.f), max(a.i, b.i), kNoIndex);
    case kMin:
    case kAll: return Acc(nan_min(a.f, b.f), min(a.i, b.i), kNoIndex);
    case kProd: return Acc(a.f * b.f, a.i * b.i, kNoIndex);
  }
  return Acc(a.f + b.f, a.i + b.i, kNoIndex);
}

Acc element(uint op, bool int_math, uint e, uint j) {
  if (op == kAny || op == kAll) {
    bool nonzero = load_bool(0, e);
    return Acc(nonzero ? 1.0 : 0.0, nonzero ? 1l : 0l, j);
  }
  if (int_math) return Acc(0.0, load_i(0, e), j);
  float x = load_f(0, e);
  return Acc(op == kNorm2 ? x * x : x, 0l, j);
}

Acc group_combine(uint op, bool int_math, Acc acc, bool cooperative) {
  if (!cooperative) return acc;
  uint tid = gl_LocalInvocationID.x;
  s_f[tid] = acc.f;
  s_i[tid] = acc.i;
  s_idx[tid] = acc.idx;
  barrier();
  for (uint stride = kGroupSize / 2u; stride > 0u; stride >>= 1) {
    if (tid < stride) {
      Acc mine = Acc(s_f[tid], s_i[tid], s_idx[tid]);
      Acc other = Acc(s_f[tid + stride], s_i[tid + stride], s_idx[tid + stride]);
      Acc merged = combine(op, int_math, mine, other);
      s_f[tid] = merged.f;
      s_i[tid] = merged.i;
      s_idx[tid] = merged.idx;
    }
    barrier();
  }
  Acc result = Acc(s_f[0], s_i[0], s_idx[0]);
  barrier();
  return result;
}

void process_row(uint row, uint lane, uint lanes, bool cooperative) {
  uint op = kOp;
  bool int_math = has_flag(kFlagIntMath);
  uint rank = desc[0].rank;
  uint outer_rank = rank - pc.k;
  uint in_row = desc[0].offset + strided_offset(0, row, 0u, outer_rank);
  uint extent = pc.m;
  bool sum_or_mean = op == kSum || op == kMean;
  if (sum_or_mean && has_flag(kFlagBug) && extent > 0u) --extent;
  Acc acc = acc_init(op);
  if (sum_or_mean && !int_math && has_flag(kFlagBug2)) {
    if (lane == 0u) {
      float total = 0.0;
      for (uint j = 0u; j < extent; ++j) {
        total = round_to_half(total + load_f(0, in_row + strided_offset(0, j, outer_rank, rank)));
      }
      acc.f = total;
    }
  } else {
    for (uint j = lane; j < extent; j += lanes) {
      uint e = in_row + strided_offset(0, j, outer_rank, rank);
      acc = combine(op, int_math, acc, element(op, int_math, e, j));
    }
  }
  acc = group_combine(op, int_math, acc, cooperative);
  if (lane != 0u) return;
  uint out_e = element_at(1, row);
  switch (op) {
    case kMean: store_f(1, out_e, acc.f / float(pc.m)); return;
    case kNorm2: store_f(1, out_e, sqrt(acc.f)); return;
    case kArgMax:
    case kArgMin: store_i(1, out_e, acc.idx == kNoIndex ? 0l : int64_t(acc.idx)); return;
  }
  if (int_math || op == kAny || op == kAll) {
    store_i(1, out_e, op == kAny || op == kAll ? int64_t(acc.f != 0.0 || acc.i != 0l) : acc.i);
  } else {
    store_f(1, out_e, acc.f);
  }
}
