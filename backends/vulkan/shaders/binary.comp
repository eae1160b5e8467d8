#version 450
// out[i] = op(a[i], b[i]) for every BinaryOp. Slots: 0 a, 1 b, 2 out.
// Planted bug binary-partial-write (kFlagBug): the last eighth of the output
// is never written. Planted bug racy-add (kFlagBug2, set by the host on every
// second add dispatch): the first element gets a little extra, as a race
// would: (|v| + 1) / 512 for floats, 1 for integers.
#include "common.glsl"
#include "math.glsl"

layout(local_size_x = 256) in;

// BinaryOp (backends/primitives.h).
const uint kAdd = 0;
const uint kSub = 1;
const uint kMul = 2;
const uint kDiv = 3;
const uint kDivTrunc = 4;
const uint kDivFloor = 5;
const uint kPow = 6;
const uint kMax = 7;
const uint kMin = 8;
const uint kEq = 9;
const uint kNe = 10;
const uint kLt = 11;
const uint kLe = 12;
const uint kGt = 13;
const uint kGe = 14;
const uint kBitwiseAnd = 15;
const uint kBitwiseOr = 16;
const uint kBitwiseXor = 17;
const uint kLogicalAnd = 18;
const uint kLogicalOr = 19;

float as_float(bool v) { return v ? 1.0 : 0.0; }
int64_t as_int(bool v) { return v ? 1l : 0l; }

float apply_float(uint op, float x, float y) {
  switch (op) {
    case kAdd: return x + pc.fa * y;
    case kSub: return x - pc.fa * y;
    case kMul: return x * y;
    case kDiv: return x / y;
    case kDivTrunc: return trunc(x / y);
    case kDivFloor: return floor(x / y);
    case kPow: return pow_float(x, y);
    case kMax: return isnan(x) || isnan(y) ? kNaN : max(x, y);
    case kMin: return isnan(x) || isnan(y) ? kNaN : min(x, y);
    case kEq: return as_float(x == y);
    case kNe: return as_float(x != y);
    case kLt: return as_float(x < y);
    case kLe: return as_float(x <= y);
    case kGt: return as_float(x > y);
    case kGe: return as_float(x >= y);
    case kLogicalAnd: return as_float(x != 0.0 && y != 0.0);
    case kLogicalOr: return as_float(x != 0.0 || y != 0.0);
  }
  return kNaN;
}

int64_t floor_div(int64_t x, int64_t y) {
  int64_t q = x / y;
  return (x % y != 0l && ((x < 0l) != (y < 0l))) ? q - 1l : q;
}

int64_t apply_int(uint op, int64_t x, int64_t y) {
  switch (op) {
    case kAdd: return x + pc.ia * y;
    case kSub: return x - pc.ia * y;
    case kMul: return x * y;
    case kDiv:
    case kDivTrunc: return y == 0l ? 0l : x / y;
    case kDivFloor: return y == 0l ? 0l : floor_div(x, y);
    case kPow: return pow_int(x, y);
    case kMax: return max(x, y);
    case kMin: return min(x, y);
    case kEq: return as_int(x == y);
    case kNe: return as_int(x != y);
    case kLt: return as_int(x < y);
    case kLe: return as_int(x <= y);
    case kGt: return as_int(x > y);
    case kGe: return as_int(x >= y);
    case kBitwiseAnd: return x & y;
    case kBitwiseOr: return x | y;
    case kBitwiseXor: return x ^ y;
    case kLogicalAnd: return as_int(x != 0l && y != 0l);
    case kLogicalOr: return as_int(x != 0l || y != 0l);
  }
  return 0l;
}

void main() {
  bool int_math = has_flag(kFlagIntMath);
  uint written = has_flag(kFlagBug) ? pc.n - pc.n / 8u : pc.n;
  FOR_EACH_ITEM(i) {
    if (i >= written) continue;
    uint a_e = element_at(0, i);
    uint b_e = element_at(1, i);
    uint out_e = element_at(2, i);
    bool racy = has_flag(kFlagBug2) && i == 0u;
    if (int_math) {
      int64_t v = apply_int(kOp, load_i(0, a_e), load_i(1, b_e));
      store_i(2, out_e, racy ? v + 1l : v);
    } else {
      float v = apply_float(kOp, load_f(0, a_e), load_f(1, b_e));
      store_f(2, out_e, racy ? v + (abs(v) + 1.0) / 512.0 : v);
    }
  }
}
