// Shared by every TapML compute shader: the binding layout (one params block
// of tensor descriptors, then raw uint views of every operand), push
// constants, dtype-aware loads and stores, and strided index arithmetic.
//
// Operands are raw 32-bit words so that one shader serves every dtype; each
// element is converted on load to the compute type (float, or int64 for
// integer-only math) and converted back on store. Sub-word stores use
// atomicAnd/atomicOr on the containing word so that invocations writing
// neighbouring elements (or data outside the view sharing the word) never
// clobber each other.
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require

const uint kMaxRank = 8;
const uint kMaxTensors = 6;

// Codes of tapml::DType (store/dtype.h).
const uint kF32 = 0;
const uint kF64 = 1;
const uint kF16 = 2;
const uint kBF16 = 3;
const uint kI64 = 4;
const uint kI32 = 5;
const uint kI16 = 6;
const uint kI8 = 7;
const uint kU8 = 8;
const uint kBool = 9;

// Bits of kFlags; must match backends/vulkan/shader_abi.h.
const uint kFlagIntMath = 1u;     // compute in int64 instead of float
const uint kFlagBug = 2u;         // this shader's planted bug is on
const uint kFlagBug2 = 4u;        // a second planted bug of this shader
const uint kFlagHasA = 8u;        // optional operand present (bias, weight, mask)
const uint kFlagHasB = 16u;       // second optional operand present
const uint kFlagOption = 32u;     // shader-specific switch (log softmax, causal, ...)
const uint kFlagOption2 = 64u;    // second shader-specific switch
const uint kFlagHasC = 128u;      // third optional operand present
const uint kFlagHasD = 256u;      // fourth optional operand present

struct TensorDesc {
  uint dtype;  // also in kDtype<t>, which the shaders use
  uint offset;  // elements from the start of the bound range
  uint rank;
  uint numel;
  uint sizes[kMaxRank];
  uint strides[kMaxRank];
};

layout(set = 0, binding = 0, std430) readonly buffer Params { TensorDesc desc[kMaxTensors]; };
layout(set = 0, binding = 1, std430) buffer Data { uint w[]; } data[kMaxTensors];

// Everything that steers control flow is a specialisation constant, so that
// the driver folds the dtype and op switches away (lavapipe runs every case
// of a switch it cannot prove uniform). Ids 0-9 are the shader's own.
layout(constant_id = 10) const uint kOp = 0;
layout(constant_id = 11) const uint kFlags = 0;
layout(constant_id = 12) const uint kMode = 0;
layout(constant_id = 16) const uint kDtype0 = 0;
layout(constant_id = 17) const uint kDtype1 = 0;
layout(constant_id = 18) const uint kDtype2 = 0;
layout(constant_id = 19) const uint kDtype3 = 0;
layout(constant_id = 20) const uint kDtype4 = 0;
layout(constant_id = 21) const uint kDtype5 = 0;

layout(push_constant) uniform Push {
  uint n;  // work items (elements or rows)
  uint m;  // shader-specific count (reduced extent, row length)
  uint k;
  uint unused;
  float fa;
  float fb;
  int64_t ia;  // integer scalar, or the bits of a double
  int64_t ib;
} pc;

// Not constants: GLSL cannot fold uintBitsToFloat in a const initializer.
#define kNaN uintBitsToFloat(0x7fc00000u)
#define kInf uintBitsToFloat(0x7f800000u)

bool has_flag(uint flag) { return (kFlags & flag) != 0u; }

uint dtype_of(uint t) {
  switch (t) {
    case 0: return kDtype0;
    case 1: return kDtype1;
    case 2: return kDtype2;
    case 3: return kDtype3;
    case 4: return kDtype4;
  }
  return kDtype5;
}

double bits_to_double(int64_t bits) { return packDouble2x32(unpackUint2x32(uint64_t(bits))); }

// ---- index arithmetic -------------------------------------------------------

// Offset (without the tensor's base offset) of the multi-index that `linear`
// denotes over dims [begin, end) of tensor t, row-major.
uint strided_offset(uint t, uint linear, uint begin, uint end) {
  uint off = 0u;
  for (uint d = end; d > begin; --d) {
    uint size = desc[t].sizes[d - 1u];
    off += (linear % size) * desc[t].strides[d - 1u];
    linear /= size;
  }
  return off;
}

// Element index of linear element `linear` of tensor t.
uint element_at(uint t, uint linear) {
  return desc[t].offset + strided_offset(t, linear, 0u, desc[t].rank);
}

// ---- conversions ------------------------------------------------------------

float half_bits_to_float(uint h) { return unpackHalf2x16(h).x; }

// Round-to-nearest-even float -> binary16, independent of the driver's
// packHalf2x16 rounding mode.
uint float_to_half_bits(float f) {
  uint x = floatBitsToUint(f);
  uint sign = (x >> 16) & 0x8000u;
  uint e = (x >> 23) & 0xffu;
  uint mant = x & 0x7fffffu;
  if (e == 0xffu) return sign | 0x7c00u | (mant != 0u ? 0x200u : 0u);
  int he = int(e) - 112;  // 127 - 15
  if (he >= 31) return sign | 0x7c00u;
  if (he <= 0) {
    if (he < -10) return sign;
    mant |= 0x800000u;
    uint shift = uint(14 - he);
    uint h = mant >> shift;
    uint rem = mant & ((1u << shift) - 1u);
    uint halfway = 1u << (shift - 1u);
    if (rem > halfway || (rem == halfway && (h & 1u) != 0u)) ++h;
    return sign | h;
  }
  uint h = sign | (uint(he) << 10) | (mant >> 13);
  uint rem = mant & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (h & 1u) != 0u)) ++h;
  return h;
}

float bf16_bits_to_float(uint h) { return uintBitsToFloat(h << 16); }

uint float_to_bf16_bits(float f) {
  uint x = floatBitsToUint(f);
  if (isnan(f)) return (x >> 16) | 0x40u;
  return (x + 0x7fffu + ((x >> 16) & 1u)) >> 16;
}

// Rounds through binary16 (the planted fp16-accumulation bug uses it).
float round_to_half(float f) { return half_bits_to_float(float_to_half_bits(f)); }

// ---- loads ------------------------------------------------------------------

uint load_u16(uint t, uint e) { return (data[t].w[e >> 1] >> ((e & 1u) * 16u)) & 0xffffu; }
uint load_u8(uint t, uint e) { return (data[t].w[e >> 2] >> ((e & 3u) * 8u)) & 0xffu; }

int64_t load_i64_raw(uint t, uint e) {
  return int64_t(packUint2x32(uvec2(data[t].w[2u * e], data[t].w[2u * e + 1u])));
}

float load_f(uint t, uint e) {
  switch (dtype_of(t)) {
    case kF32: return uintBitsToFloat(data[t].w[e]);
    case kF64: return float(packDouble2x32(uvec2(data[t].w[2u * e], data[t].w[2u * e + 1u])));
    case kF16: return half_bits_to_float(load_u16(t, e));
    case kBF16: return bf16_bits_to_float(load_u16(t, e));
    case kI64: return float(load_i64_raw(t, e));
    case kI32: return float(int(data[t].w[e]));
    case kI16: return float(bitfieldExtract(int(load_u16(t, e)), 0, 16));
    case kI8: return float(bitfieldExtract(int(load_u8(t, e)), 0, 8));
    case kU8: return float(load_u8(t, e));
    case kBool: return load_u8(t, e) != 0u ? 1.0 : 0.0;
  }
  return 0.0;
}

// int32 -> int64 keeping the sign, built from its two words: lavapipe
// zero-extends int64_t(int(uint_word)) (int32 abs(-1) came out as -1), which
// broke negative int32/int16/int8 values in integer math and as indices.
int64_t widen_signed(int v) {
  return int64_t(packUint2x32(uvec2(uint(v), v < 0 ? 0xffffffffu : 0u)));
}

int64_t load_i(uint t, uint e) {
  switch (dtype_of(t)) {
    case kI64: return load_i64_raw(t, e);
    case kI32: return widen_signed(int(data[t].w[e]));
    case kI16: return widen_signed(bitfieldExtract(int(load_u16(t, e)), 0, 16));
    case kI8: return widen_signed(bitfieldExtract(int(load_u8(t, e)), 0, 8));
    case kU8: return int64_t(load_u8(t, e));
    case kBool: return load_u8(t, e) != 0u ? 1l : 0l;
  }
  return int64_t(load_f(t, e));
}

bool is_floating(uint dtype) { return dtype <= kBF16; }

bool load_bool(uint t, uint e) {
  return is_floating(dtype_of(t)) ? load_f(t, e) != 0.0 : load_i(t, e) != 0l;
}

// ---- stores -----------------------------------------------------------------

void store_u16(uint t, uint e, uint bits) {
  uint shift = (e & 1u) * 16u;
  atomicAnd(data[t].w[e >> 1], ~(0xffffu << shift));
  atomicOr(data[t].w[e >> 1], (bits & 0xffffu) << shift);
}

void store_u8(uint t, uint e, uint bits) {
  uint shift = (e & 3u) * 8u;
  atomicAnd(data[t].w[e >> 2], ~(0xffu << shift));
  atomicOr(data[t].w[e >> 2], (bits & 0xffu) << shift);
}

void store_i64_raw(uint t, uint e, int64_t v) {
  uvec2 words = unpackUint2x32(uint64_t(v));
  data[t].w[2u * e] = words.x;
  data[t].w[2u * e + 1u] = words.y;
}

// Float dtypes (and bool, which takes v != 0) from a float value.
void store_float_dtype(uint t, uint e, float v) {
  switch (dtype_of(t)) {
    case kF32: data[t].w[e] = floatBitsToUint(v); return;
    case kF64: {
      uvec2 words = unpackDouble2x32(double(v));
      data[t].w[2u * e] = words.x;
      data[t].w[2u * e + 1u] = words.y;
      return;
    }
    case kF16: store_u16(t, e, float_to_half_bits(v)); return;
    case kBF16: store_u16(t, e, float_to_bf16_bits(v)); return;
    case kBool: store_u8(t, e, v != 0.0 ? 1u : 0u); return;  // NaN != 0 is true, as in torch
  }
}

// Integer dtypes (and bool) from an int64 value, wrapping as C casts do.
void store_int_dtype(uint t, uint e, int64_t v) {
  switch (dtype_of(t)) {
    case kI64: store_i64_raw(t, e, v); return;
    case kI32: data[t].w[e] = uint(v); return;
    case kI16: store_u16(t, e, uint(v)); return;
    case kI8:
    case kU8: store_u8(t, e, uint(v)); return;
    case kBool: store_u8(t, e, v != 0l ? 1u : 0u); return;
  }
}

void store_f(uint t, uint e, float v) {
  uint dtype = dtype_of(t);
  if (is_floating(dtype) || dtype == kBool) {
    store_float_dtype(t, e, v);
  } else {
    store_int_dtype(t, e, int64_t(v));
  }
}

void store_i(uint t, uint e, int64_t v) {
  if (is_floating(dtype_of(t))) {
    store_float_dtype(t, e, float(v));
  } else {
    store_int_dtype(t, e, v);
  }
}

// Grid-stride loop over pc.n items, for dispatches capped in group count.
#define FOR_EACH_ITEM(i) \
  for (uint i = gl_GlobalInvocationID.x; i < pc.n; i += gl_NumWorkGroups.x * gl_WorkGroupSize.x)
