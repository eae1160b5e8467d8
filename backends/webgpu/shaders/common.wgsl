// Shared by every TapML WGSL kernel (the counterpart of the Vulkan backend's
// common.glsl): tensor descriptors, dtype-aware loads and stores over raw
// 32-bit words, and strided index arithmetic. The device prepends the
// bindings (webgpu_device.cpp: `params`, `status`, `out`, and `in0`..`inN`
// as the kernel needs them) and the `load_word(t, i)` switch over the inputs.
//
// WGSL has no 64-bit integers or floats and no 8/16-bit storage: every
// element is loaded from its words and converted to the compute type (f32,
// or i32 for integer math), and stored back converted. An int64 outside
// i32's range cannot be computed here: loading or storing one sets bit 0 of
// `status`, and the host refuses the call rather than wrap it silently.
// float64 is computed in f32, as on every GPU backend. Sub-word stores go
// through atomicAnd/atomicOr on their word so that neighbours never clobber.

const kMaxRank = 8u;
const kF32 = 0u;
const kF64 = 1u;
const kF16 = 2u;
const kBF16 = 3u;
const kI64 = 4u;
const kI32 = 5u;
const kI16 = 6u;
const kI8 = 7u;
const kU8 = 8u;
const kBool = 9u;
const kStatusInt64Range = 1u;

struct TensorDesc {
  dtype: u32,
  offset: u32,  // elements from the start of the bound range
  rank: u32,
  numel: u32,
  sizes: array<u32, 8>,
  strides: array<u32, 8>,
}

// The output `dst` is slot 0 of `desc`, inputs follow (in0 is slot 1).
struct Params {
  n: u32,        // work items
  m: u32,
  k: u32,
  flags: u32,
  fa: f32,
  fb: f32,
  ia: i32,
  ib: i32,
  desc: array<TensorDesc, 6>,
}

fn strided_offset(t: u32, linear_in: u32, begin: u32, end: u32) -> u32 {
  var off = 0u;
  var linear = linear_in;
  for (var d = end; d > begin; d = d - 1u) {
    let size = params.desc[t].sizes[d - 1u];
    off = off + (linear % size) * params.desc[t].strides[d - 1u];
    linear = linear / size;
  }
  return off;
}

fn element_at(t: u32, linear: u32) -> u32 {
  return params.desc[t].offset + strided_offset(t, linear, 0u, params.desc[t].rank);
}

fn is_floating(dtype: u32) -> bool { return dtype <= kBF16; }

// ---- conversions --------------------------------------------------------

fn half_bits_to_float(h: u32) -> f32 { return unpack2x16float(h & 0xffffu).x; }

// Round-to-nearest-even f32 -> binary16, independent of pack2x16float's
// rounding (WGSL leaves it to the implementation).
fn float_to_half_bits(f: f32) -> u32 {
  let x = bitcast<u32>(f);
  let sign = (x >> 16u) & 0x8000u;
  let e = (x >> 23u) & 0xffu;
  var mant = x & 0x7fffffu;
  if (e == 0xffu) { return sign | 0x7c00u | select(0u, 0x200u, mant != 0u); }
  let he = i32(e) - 112;
  if (he >= 31) { return sign | 0x7c00u; }
  if (he <= 0) {
    if (he < -10) { return sign; }
    mant = mant | 0x800000u;
    let shift = u32(14 - he);
    var h = mant >> shift;
    let rem = mant & ((1u << shift) - 1u);
    let halfway = 1u << (shift - 1u);
    if (rem > halfway || (rem == halfway && (h & 1u) != 0u)) { h = h + 1u; }
    return sign | h;
  }
  var h = sign | (u32(he) << 10u) | (mant >> 13u);
  let rem = mant & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (h & 1u) != 0u)) { h = h + 1u; }
  return h;
}

fn bf16_bits_to_float(h: u32) -> f32 { return bitcast<f32>((h & 0xffffu) << 16u); }

fn float_to_bf16_bits(f: f32) -> u32 {
  let x = bitcast<u32>(f);
  if ((x & 0x7fffffffu) > 0x7f800000u) { return (x >> 16u) | 0x40u; }  // NaN, by its bits
  return (x + 0x7fffu + ((x >> 16u) & 1u)) >> 16u;
}

// binary64 (two words) -> f32, rounded to nearest even; overflow to inf.
fn double_words_to_float(lo: u32, hi: u32) -> f32 {
  let sign = hi & 0x80000000u;
  let e = (hi >> 20u) & 0x7ffu;
  let mant_hi = hi & 0xfffffu;
  if (e == 0x7ffu) {
    if (mant_hi != 0u || lo != 0u) { return bitcast<f32>(sign | 0x7fc00000u); }
    return bitcast<f32>(sign | 0x7f800000u);
  }
  let fe = i32(e) - 1023 + 127;
  if (fe >= 255) { return bitcast<f32>(sign | 0x7f800000u); }
  // 52-bit mantissa -> 23 bits: keep mant_hi (20 bits) and the top 3 of lo.
  var mant = (mant_hi << 3u) | (lo >> 29u);
  let rest = lo & 0x1fffffffu;  // the 29 bits dropped
  if (fe <= 0) {
    if (fe < -23) { return bitcast<f32>(sign); }
    // subnormal f32: shift the implicit 1 in, then round
    let full = mant | 0x800000u;
    let shift = u32(1 - fe);
    var m = full >> shift;
    let dropped = full & ((1u << shift) - 1u);
    let halfway = 1u << (shift - 1u);
    if (dropped > halfway || (dropped == halfway && (rest != 0u || (m & 1u) != 0u))) { m = m + 1u; }
    return bitcast<f32>(sign | m);
  }
  var bits = sign | (u32(fe) << 23u) | mant;
  if (rest > 0x10000000u || (rest == 0x10000000u && (bits & 1u) != 0u)) { bits = bits + 1u; }
  return bitcast<f32>(bits);
}

// f32 -> binary64 words (exact).
fn float_to_double_words(f: f32) -> vec2<u32> {
  let x = bitcast<u32>(f);
  let sign = x & 0x80000000u;
  let e = (x >> 23u) & 0xffu;
  var mant = x & 0x7fffffu;
  if (e == 0xffu) { return vec2<u32>(0u, sign | 0x7ff00000u | select(0u, 0x80000u, mant != 0u)); }
  if (e == 0u) {
    if (mant == 0u) { return vec2<u32>(0u, sign); }
    // subnormal f32: normalise
    var de = -126;
    while ((mant & 0x800000u) == 0u) { mant = mant << 1u; de = de - 1; }
    mant = mant & 0x7fffffu;
    let d = u32(de + 1023);
    return vec2<u32>(mant << 29u, sign | (d << 20u) | (mant >> 3u));
  }
  let d = e - 127u + 1023u;
  return vec2<u32>(mant << 29u, sign | (d << 20u) | (mant >> 3u));
}

// An int64 as f32, exact within i32's range; beyond it (rare: a float
// computation of a huge integer) the magnitude is summed from its words,
// which may round twice.
fn int64_words_to_float(lo: u32, hi: u32) -> f32 {
  if (hi == select(0u, 0xffffffffu, (lo & 0x80000000u) != 0u)) { return f32(bitcast<i32>(lo)); }
  if ((hi & 0x80000000u) == 0u) { return f32(hi) * 4294967296.0 + f32(lo); }
  let nlo = ~lo + 1u;
  let nhi = ~hi + select(0u, 1u, nlo == 0u);
  return -(f32(nhi) * 4294967296.0 + f32(nlo));
}

// ---- integer math -------------------------------------------------------
// Integer math runs in i32. Into an int32/16/8 output wrapping is what
// torch does; into an int64 output a result that needs more than 32 bits
// is refused (status), never wrapped.

fn int64_out() -> bool { return params.desc[0].dtype == kI64; }

fn int_add(a: i32, b: i32) -> i32 {
  let r = a + b;
  if (int64_out() && (a >= 0) == (b >= 0) && (r >= 0) != (a >= 0)) {
    atomicOr(&status[0], kStatusInt64Range);
  }
  return r;
}

fn int_mul(a: i32, b: i32) -> i32 {
  let r = a * b;
  if (int64_out() && abs(f32(a) * f32(b)) >= 2147483648.0 && !(f32(a) * f32(b) == -2147483648.0)) {
    atomicOr(&status[0], kStatusInt64Range);
  }
  return r;
}

// ---- loads --------------------------------------------------------------

fn load_u16(t: u32, e: u32) -> u32 { return (load_word(t, e >> 1u) >> ((e & 1u) * 16u)) & 0xffffu; }
fn load_u8(t: u32, e: u32) -> u32 { return (load_word(t, e >> 2u) >> ((e & 3u) * 8u)) & 0xffu; }
fn sign_extend(v: u32, bits: u32) -> i32 { return (bitcast<i32>(v << (32u - bits))) >> (32u - bits); }

// An int64 element as i32; outside i32's range it marks `status`.
fn load_i64(t: u32, e: u32) -> i32 {
  let lo = load_word(t, 2u * e);
  let hi = load_word(t, 2u * e + 1u);
  if (hi != select(0u, 0xffffffffu, (lo & 0x80000000u) != 0u)) {
    atomicOr(&status[0], kStatusInt64Range);
  }
  return bitcast<i32>(lo);
}

fn load_f(t: u32, e: u32) -> f32 {
  switch (params.desc[t].dtype) {
    case 0u: { return bitcast<f32>(load_word(t, e)); }
    case 1u: { return double_words_to_float(load_word(t, 2u * e), load_word(t, 2u * e + 1u)); }
    case 2u: { return half_bits_to_float(load_u16(t, e)); }
    case 3u: { return bf16_bits_to_float(load_u16(t, e)); }
    case 4u: { return int64_words_to_float(load_word(t, 2u * e), load_word(t, 2u * e + 1u)); }
    case 5u: { return f32(bitcast<i32>(load_word(t, e))); }
    case 6u: { return f32(sign_extend(load_u16(t, e), 16u)); }
    case 7u: { return f32(sign_extend(load_u8(t, e), 8u)); }
    case 8u: { return f32(load_u8(t, e)); }
    default: { return select(0.0, 1.0, load_u8(t, e) != 0u); }
  }
}

fn load_i(t: u32, e: u32) -> i32 {
  switch (params.desc[t].dtype) {
    case 4u: { return load_i64(t, e); }
    case 5u: { return bitcast<i32>(load_word(t, e)); }
    case 6u: { return sign_extend(load_u16(t, e), 16u); }
    case 7u: { return sign_extend(load_u8(t, e), 8u); }
    case 8u: { return i32(load_u8(t, e)); }
    case 9u: { return select(0, 1, load_u8(t, e) != 0u); }
    default: { return i32(load_f(t, e)); }
  }
}

// ---- stores (to `dst`, slot 0) ------------------------------------------

fn store_u16(e: u32, bits: u32) {
  let shift = (e & 1u) * 16u;
  atomicAnd(&dst[e >> 1u], ~(0xffffu << shift));
  atomicOr(&dst[e >> 1u], (bits & 0xffffu) << shift);
}

fn store_u8(e: u32, bits: u32) {
  let shift = (e & 3u) * 8u;
  atomicAnd(&dst[e >> 2u], ~(0xffu << shift));
  atomicOr(&dst[e >> 2u], (bits & 0xffu) << shift);
}

fn store_float_dtype(e: u32, v: f32) {
  switch (params.desc[0].dtype) {
    case 0u: { atomicStore(&dst[e], bitcast<u32>(v)); }
    case 1u: {
      let words = float_to_double_words(v);
      atomicStore(&dst[2u * e], words.x);
      atomicStore(&dst[2u * e + 1u], words.y);
    }
    case 2u: { store_u16(e, float_to_half_bits(v)); }
    case 3u: { store_u16(e, float_to_bf16_bits(v)); }
    default: { store_u8(e, select(0u, 1u, v != 0.0)); }  // bool: NaN != 0 is true, as in torch
  }
}

fn store_int_dtype(e: u32, v: i32) {
  switch (params.desc[0].dtype) {
    case 4u: {
      atomicStore(&dst[2u * e], bitcast<u32>(v));
      atomicStore(&dst[2u * e + 1u], select(0u, 0xffffffffu, v < 0));
    }
    case 5u: { atomicStore(&dst[e], bitcast<u32>(v)); }
    case 6u: { store_u16(e, bitcast<u32>(v)); }
    case 7u, 8u: { store_u8(e, bitcast<u32>(v)); }
    default: { store_u8(e, select(0u, 1u, v != 0)); }
  }
}

fn float_to_i32_checked(v: f32) -> i32 {
  // f32 values at or past 2^31 do not fit: an int64 output would need them.
  if (params.desc[0].dtype == kI64 && !(abs(v) < 2147483648.0)) {
    atomicOr(&status[0], kStatusInt64Range);
  }
  return i32(v);
}

fn store_f(e: u32, v: f32) {
  let dtype = params.desc[0].dtype;
  if (is_floating(dtype) || dtype == kBool) {
    store_float_dtype(e, v);
  } else {
    store_int_dtype(e, float_to_i32_checked(v));
  }
}

fn store_i(e: u32, v: i32) {
  if (is_floating(params.desc[0].dtype)) {
    store_float_dtype(e, f32(v));
  } else {
    store_int_dtype(e, v);
  }
}
