// dst[i] = op(in0[i], in1[i]) for every BinaryOp (backends/primitives.h;
// params.k the op, flags bit 0 integer math, fa/ia the alpha of Add/Sub).
// Planted bugs (docs/planted-bugs.md): binary-partial-write (bit 1) leaves
// the last eighth unwritten; racy-add (bit 2, every second add dispatch)
// adds (|v| + 1) / 512 to the first element (1 for integers).

fn as_float(v: bool) -> f32 { return select(0.0, 1.0, v); }
fn as_int(v: bool) -> i32 { return select(0, 1, v); }

fn apply_float(op: u32, x: f32, y: f32) -> f32 {
  switch (op) {
    case 0u: { return x + params.fa * y; }
    case 1u: { return x - params.fa * y; }
    case 2u: { return x * y; }
    case 3u: { return x / y; }
    case 4u: { return trunc(x / y); }
    case 5u: { return floor(x / y); }
    case 6u: { return pow_float(x, y); }
    case 7u: { return select(max(x, y), nan_f32(), is_nan(x) || is_nan(y)); }
    case 8u: { return select(min(x, y), nan_f32(), is_nan(x) || is_nan(y)); }
    case 9u: { return as_float(x == y); }
    case 10u: { return as_float(x != y); }
    case 11u: { return as_float(x < y); }
    case 12u: { return as_float(x <= y); }
    case 13u: { return as_float(x > y); }
    case 14u: { return as_float(x >= y); }
    case 18u: { return as_float(x != 0.0 && y != 0.0); }
    case 19u: { return as_float(x != 0.0 || y != 0.0); }
    default: { return nan_f32(); }
  }
}

fn floor_div(x: i32, y: i32) -> i32 {
  let q = x / y;
  return select(q, q - 1, x % y != 0 && ((x < 0) != (y < 0)));
}

fn apply_int(op: u32, x: i32, y: i32) -> i32 {
  switch (op) {
    case 0u: { return int_add(x, int_mul(params.ia, y)); }
    case 1u: { return int_add(x, -int_mul(params.ia, y)); }
    case 2u: { return int_mul(x, y); }
    case 3u, 4u: { return select(x / y, 0, y == 0); }
    case 5u: { return select(floor_div(x, select(y, 1, y == 0)), 0, y == 0); }
    case 6u: { return pow_int(x, y); }
    case 7u: { return max(x, y); }
    case 8u: { return min(x, y); }
    case 9u: { return as_int(x == y); }
    case 10u: { return as_int(x != y); }
    case 11u: { return as_int(x < y); }
    case 12u: { return as_int(x <= y); }
    case 13u: { return as_int(x > y); }
    case 14u: { return as_int(x >= y); }
    case 15u: { return x & y; }
    case 16u: { return x | y; }
    case 17u: { return x ^ y; }
    case 18u: { return as_int(x != 0 && y != 0); }
    case 19u: { return as_int(x != 0 || y != 0); }
    default: { return 0; }
  }
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) id: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  let stride = groups.x * 256u;
  let int_math = (params.flags & 1u) != 0u;
  let written = select(params.n, params.n - params.n / 8u, (params.flags & 2u) != 0u);
  for (var i = id.x; i < written; i = i + stride) {
    let racy = (params.flags & 4u) != 0u && i == 0u;
    let a_at = element_at(1u, i);
    let b_at = element_at(2u, i);
    let out_at = element_at(0u, i);
    if (int_math) {
      let v = apply_int(params.k, load_i(1u, a_at), load_i(2u, b_at));
      store_i(out_at, select(v, v + 1, racy));
    } else {
      let v = apply_float(params.k, load_f(1u, a_at), load_f(2u, b_at));
      store_f(out_at, select(v, v + (abs(v) + 1.0) / 512.0, racy));
    }
  }
}
