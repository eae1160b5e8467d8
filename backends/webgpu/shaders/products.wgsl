// What the two matrix-product kernels (matmul.wgsl, matvec.wgsl) share:
// dst[b, m, n] = alpha * acc + beta * bias[b, m, n] (bias when flags bit 0;
// broadcast by its strides), and the planted bug matmul-bf16-accumulate's
// rounding. Only those kernels are given this file (webgpu_kernels.cpp).

fn store_product(b: u32, m: u32, n: u32, acc: f32) {
  var result = params.fa * acc;
  if ((params.flags & 1u) != 0u) {
    result = result + params.fb * load_f(3u, params.desc[3].offset + b * params.desc[3].strides[0] +
                                             m * params.desc[3].strides[1] +
                                             n * params.desc[3].strides[2]);
  }
  store_f(params.desc[0].offset + b * params.desc[0].strides[0] + m * params.desc[0].strides[1] +
              n * params.desc[0].strides[2],
          result);
}

// matmul-bf16-accumulate (flags bit 2, with a bfloat16 operand): every
// partial sum rounded to bfloat16.
fn bf16_accumulate_bug() -> bool {
  return (params.flags & 4u) != 0u &&
         (params.desc[1].dtype == kBF16 || params.desc[2].dtype == kBF16);
}

fn accumulate(sum: f32, bf16_bug: bool) -> f32 {
  if (bf16_bug) { return bf16_bits_to_float(float_to_bf16_bits(sum)); }
  return sum;
}
