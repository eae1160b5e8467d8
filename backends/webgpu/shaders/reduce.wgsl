// Reduces the last params.k dims of in0 into dst (its leading dims):
// params.n output elements, params.m the reduced extent, params.ib the op
// (ReduceOp), flags bit 0 integer math, bit 1 one invocation per row (many
// short rows) instead of a workgroup per row. Float math in f32, integer
// math in i32 (an int64 sum beyond it refused); ArgMax/ArgMin pick the first
// extreme, NaN counting as both, as in torch. Planted bugs: reduce-off-by-one
// (bit 2) makes Sum/Mean skip the last element; sum-fp16-accumulate (bit 3)
// makes them accumulate sequentially in fp16 (docs/planted-bugs.md).

const kSum = 0u;
const kMean = 1u;
const kMax = 2u;
const kMin = 3u;
const kProd = 4u;
const kArgMax = 5u;
const kArgMin = 6u;
const kAny = 7u;
const kAll = 8u;
const kNorm2 = 9u;
const kNoIndex = 0xffffffffu;

struct Acc {
  f: f32,
  i: i32,
  idx: u32,
}

var<workgroup> s_f: array<f32, 256>;
var<workgroup> s_i: array<i32, 256>;
var<workgroup> s_idx: array<u32, 256>;

fn acc_init(op: u32) -> Acc {
  switch (op) {
    case 2u, 5u: { return Acc(-inf_f32(), -2147483647 - 1, kNoIndex); }
    case 3u, 6u: { return Acc(inf_f32(), 2147483647, kNoIndex); }
    case 4u, 8u: { return Acc(1.0, 1, kNoIndex); }
    default: { return Acc(0.0, 0, kNoIndex); }
  }
}

fn beats(b: Acc, a: Acc, int_math: bool, want_max: bool) -> bool {
  if (b.idx == kNoIndex) { return false; }
  if (a.idx == kNoIndex) { return true; }
  if (!int_math) {
    if (is_nan(a.f)) { return is_nan(b.f) && b.idx < a.idx; }
    if (is_nan(b.f)) { return true; }
    if (b.f == a.f) { return b.idx < a.idx; }
    return select((b.f < a.f), (b.f > a.f), want_max);
  }
  if (b.i == a.i) { return b.idx < a.idx; }
  return select((b.i < a.i), (b.i > a.i), want_max);
}

fn nan_max(a: f32, b: f32) -> f32 { return select(max(a, b), nan_f32(), is_nan(a) || is_nan(b)); }
fn nan_min(a: f32, b: f32) -> f32 { return select(min(a, b), nan_f32(), is_nan(a) || is_nan(b)); }

fn combine(op: u32, int_math: bool, a: Acc, b: Acc) -> Acc {
  switch (op) {
    case 5u, 6u: {  // select() takes no structs
      if (beats(b, a, int_math, op == kArgMax)) { return b; }
      return a;
    }
    case 2u, 7u: { return Acc(nan_max(a.f, b.f), max(a.i, b.i), kNoIndex); }
    case 3u, 8u: { return Acc(nan_min(a.f, b.f), min(a.i, b.i), kNoIndex); }
    case 4u: { return Acc(a.f * b.f, int_mul(a.i, b.i), kNoIndex); }
    default: { return Acc(a.f + b.f, int_add(a.i, b.i), kNoIndex); }
  }
}

fn element(op: u32, int_math: bool, e: u32, j: u32) -> Acc {
  if (op == kAny || op == kAll) {
    let nonzero = select(load_i(1u, e) != 0, load_f(1u, e) != 0.0,
                         is_floating(params.desc[1].dtype));
    return Acc(select(0.0, 1.0, nonzero), select(0, 1, nonzero), j);
  }
  if (int_math) { return Acc(0.0, load_i(1u, e), j); }
  let x = load_f(1u, e);
  return Acc(select(x, x * x, op == kNorm2), 0, j);
}

// This invocation's part of row `row`: elements lane, lane + lanes, ...
fn partial(row: u32, lane: u32, lanes: u32) -> Acc {
  let op = u32(params.ib);
  let int_math = (params.flags & 1u) != 0u;
  let rank = params.desc[1].rank;
  let outer_rank = rank - params.k;
  let in_row = params.desc[1].offset + strided_offset(1u, row, 0u, outer_rank);
  var acc = acc_init(op);
  let sum_or_mean = op == kSum || op == kMean;
  var extent = params.m;
  if (sum_or_mean && (params.flags & 4u) != 0u && extent > 0u) { extent = extent - 1u; }
  if (sum_or_mean && !int_math && (params.flags & 8u) != 0u) {
    if (lane == 0u) {
      var total = 0.0;
      for (var j = 0u; j < extent; j = j + 1u) {
        total = half_bits_to_float(float_to_half_bits(
            total + load_f(1u, in_row + strided_offset(1u, j, outer_rank, rank))));
      }
      acc.f = total;
    }
    return acc;
  }
  for (var j = lane; j < extent; j = j + lanes) {
    let e = in_row + strided_offset(1u, j, outer_rank, rank);
    acc = combine(op, int_math, acc, element(op, int_math, e, j));
  }
  return acc;
}

fn finish_row(row: u32, acc: Acc) {
  let op = u32(params.ib);
  let int_math = (params.flags & 1u) != 0u;
  let out_at = element_at(0u, row);
  switch (op) {
    case 1u: { store_f(out_at, acc.f / f32(params.m)); }
    case 9u: { store_f(out_at, sqrt(acc.f)); }
    case 5u, 6u: { store_i(out_at, select(i32(acc.idx), 0, acc.idx == kNoIndex)); }
    case 7u, 8u: { store_i(out_at, select(0, 1, acc.f != 0.0 || acc.i != 0)); }
    default: {
      if (int_math) { store_i(out_at, acc.i); } else { store_f(out_at, acc.f); }
    }
  }
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) id: vec3<u32>,
        @builtin(local_invocation_id) local: vec3<u32>,
        @builtin(workgroup_id) group: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  let op = u32(params.ib);
  let int_math = (params.flags & 1u) != 0u;
  if ((params.flags & 2u) != 0u) {
    for (var row = id.x; row < params.n; row = row + groups.x * 256u) {
      finish_row(row, partial(row, 0u, 1u));
    }
    return;
  }
  let tid = local.x;
  for (var row = group.x; row < params.n; row = row + groups.x) {
    let mine = partial(row, tid, 256u);
    s_f[tid] = mine.f;
    s_i[tid] = mine.i;
    s_idx[tid] = mine.idx;
    workgroupBarrier();
    for (var stride = 128u; stride > 0u; stride = stride >> 1u) {
      if (tid < stride) {
        let merged = combine(op, int_math, Acc(s_f[tid], s_i[tid], s_idx[tid]),
                             Acc(s_f[tid + stride], s_i[tid + stride], s_idx[tid + stride]));
        s_f[tid] = merged.f;
        s_i[tid] = merged.i;
        s_idx[tid] = merged.idx;
      }
      workgroupBarrier();
    }
    if (tid == 0u) { finish_row(row, Acc(s_f[0], s_i[0], s_idx[0])); }
    workgroupBarrier();
  }
}
