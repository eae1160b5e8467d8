// out[b] = beta * bias[b] + alpha * (a[b] @ w[b]) over strided views, a: [B, M, K],
// w: [B, K, N], out: [B, M, N], bias broadcast to out's shape by its strides.
// Two designs: a tiled kernel for GPUs (built with LX) and vector kernels for
// CPU devices (built with VEC).
#ifdef LX

// The tiled kernel. Each work-group computes a TM x TN tile of out, staging TK-deep slices of a
// and w in local memory (converted to CT, which accumulates: fp32 for floats);
// each work item owns WM x WN outputs spaced LY rows and LX columns apart,
// so that neighbouring items read neighbouring local words.
// Built with -D A_DT, W_DT, OUT_DT, CT, CT_FLOAT, LX, LY, WM, WN, TK; BIAS_DT
// when there is a bias; A_M_FAST / W_K_FAST when a's rows / w's columns are
// the strided way round (the slices are then read along the contiguous dim).
#define TM (LY * WM)
#define TN (LX * WN)

// acc + product; with PLANT_BF16_ACC (the planted matmul-bf16-accumulate
// bug) every partial sum is rounded to bfloat16.
#ifdef PLANT_BF16_ACC
inline float round_to_bf16(float v) {
  uint bits = as_uint(v);
  return as_float((bits + 0x7FFFu + ((bits >> 16) & 1u)) & 0xFFFF0000u);
}
#define ACCUMULATE(acc, product) round_to_bf16((acc) + (product))
#else
#define ACCUMULATE(acc, product) ((acc) + (product))
#endif
#define THREADS (LX * LY)

__kernel __attribute__((reqd_work_group_size(LX, LY, 1))) void matmul(
    src_t a, long a_off, long a_sb, long a_sm, long a_sk, src_t w, long w_off, long w_sb,
    long w_sk, long w_sn, src_t bias, long bias_off, long bias_sb, long bias_sm, long bias_sn,
    dst_t out, long out_off, long out_sb, long out_sm, long out_sn, long M, long N, long K,
    CT alpha, CT beta) {
  __local CT a_tile[TK][TM];
  __local CT w_tile[TK][TN];
  const int tx = get_local_id(0);
  const int ty = get_local_id(1);
  const int lid = ty * LX + tx;
  const long n0 = get_group_id(0) * TN;
  const long m0 = get_group_id(1) * TM;
  const long batch = get_group_id(2);
  a_off += batch * a_sb;
  w_off += batch * w_sb;

  CT acc[WM][WN];
  for (int i = 0; i < WM; ++i) {
    for (int j = 0; j < WN; ++j) acc[i][j] = (CT)0;
  }

  for (long k0 = 0; k0 < K; k0 += TK) {
    for (int e = lid; e < TM * TK; e += THREADS) {
#ifdef A_M_FAST
      int m = e % TM, k = e / TM;
#else
      int m = e / TK, k = e % TK;
#endif
      long gm = m0 + m, gk = k0 + k;
      a_tile[k][m] = gm < M && gk < K ? LOAD(A_DT, a, a_off + gm * a_sm + gk * a_sk) : (CT)0;
    }
    for (int e = lid; e < TN * TK; e += THREADS) {
#ifdef W_K_FAST
      int n = e / TK, k = e % TK;
#else
      int n = e % TN, k = e / TN;
#endif
      long gn = n0 + n, gk = k0 + k;
      w_tile[k][n] = gn < N && gk < K ? LOAD(W_DT, w, w_off + gk * w_sk + gn * w_sn) : (CT)0;
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int k = 0; k < TK; ++k) {
      CT a_reg[WM], w_reg[WN];
      for (int i = 0; i < WM; ++i) a_reg[i] = a_tile[k][ty + LY * i];
      for (int j = 0; j < WN; ++j) w_reg[j] = w_tile[k][tx + LX * j];
      for (int i = 0; i < WM; ++i) {
        for (int j = 0; j < WN; ++j) acc[i][j] = ACCUMULATE(acc[i][j], a_reg[i] * w_reg[j]);
      }
    }
    barrier(CLK_LOCAL_MEM_FENCE);
  }

  out_off += batch * out_sb;
  bias_off += batch * bias_sb;
  for (int i = 0; i < WM; ++i) {
    long m = m0 + ty + LY * i;
    if (m >= M) break;
    for (int j = 0; j < WN; ++j) {
      long n = n0 + tx + LX * j;
      if (n >= N) break;
      CT value = alpha * acc[i][j];
#ifdef BIAS_DT
      value += beta * LOAD(BIAS_DT, bias, bias_off + m * bias_sm + n * bias_sn);
#endif
      STORE(OUT_DT, out, out_off + m * out_sm + n * out_sn, value);
    }
  }
}

#endif

// Kernels for CPU devices (PoCL): no local memory or barriers, explicit
// float vectors of VEC lanes, so that the host compiler's vector units do the
// work. Operands are F32, F16 or BF16 (VLOAD converts VEC of them at once).
#ifdef VEC
#define floatV CAT(float, VEC)
#define VLOAD(dt, p, i) CAT(vload_, dt)(p, i)
inline floatV vload_F32(src_t p, long i) { return CAT(vload, VEC)(0, (__global const float*)p + i); }
inline floatV vload_F16(src_t p, long i) {
  return CAT(vload_half, VEC)(0, (__global const half*)p + i);
}
inline floatV vload_BF16(src_t p, long i) {
  return CAT(as_float, VEC)(CAT(convert_uint, VEC)(CAT(vload, VEC)(0, (__global const ushort*)p + i)) << 16);
}
inline float hsum(floatV v) {
#if VEC == 16
  float8 h = v.lo + v.hi;
#else
  float8 h = v;
#endif
  float4 q = h.lo + h.hi;
  float2 d = q.lo + q.hi;
  return d.lo + d.hi;
}

// The shared epilogue: out[m, n] = alpha * sum + beta * bias[m, n].
#ifdef BIAS_DT
#define BIAS_TERM(m, n) (beta * LOAD(BIAS_DT, bias, bias_off + (m) * bias_sm + (n) * bias_sn))
#else
#define BIAS_TERM(m, n) 0.0f
#endif
#define STORE_OUT(m, n, sum) \
  STORE(OUT_DT, out, out_off + (m) * out_sm + (n) * out_sn, alpha * (sum) + BIAS_TERM(m, n))

#define MATMUL_ARGS                                                                            \
  src_t a, long a_off, long a_sb, long a_sm, long a_sk, src_t w, long w_off, long w_sb,        \
      long w_sk, long w_sn, src_t bias, long bias_off, long bias_sb, long bias_sm,             \
      long bias_sn, dst_t out, long out_off, long out_sb, long out_sm, long out_sn, long M,    \
      long N, long K, float alpha, float beta

// a rows and w columns both contiguous along k (a @ weight.t(), as linear
// layers multiply): each item takes RM rows x RN columns and accumulates VEC
// lanes of k at once, summing the lanes at the end.
__kernel void matmul_dot(MATMUL_ARGS) {
  const long n0 = get_global_id(0) * RN;
  const long m0 = get_global_id(1) * RM;
  const long batch = get_global_id(2);
  if (n0 >= N || m0 >= M) return;
  a_off += batch * a_sb;
  w_off += batch * w_sb;
  long a_row[RM], w_col[RN];
  // Rows and columns past the end repeat the last one; their sums are not stored.
  for (int i = 0; i < RM; ++i) a_row[i] = a_off + min(m0 + i, M - 1) * a_sm;
  for (int j = 0; j < RN; ++j) w_col[j] = w_off + min(n0 + j, N - 1) * w_sn;
  floatV acc[RM][RN];
  for (int i = 0; i < RM; ++i) {
    for (int j = 0; j < RN; ++j) acc[i][j] = (floatV)0.0f;
  }
  long k = 0;
  for (; k + VEC <= K; k += VEC) {
    floatV av[RM], wv[RN];
    for (int i = 0; i < RM; ++i) av[i] = VLOAD(A_DT, a, a_row[i] + k);
    for (int j = 0; j < RN; ++j) wv[j] = VLOAD(W_DT, w, w_col[j] + k);
    for (int i = 0; i < RM; ++i) {
      for (int j = 0; j < RN; ++j) acc[i][j] = fma(av[i], wv[j], acc[i][j]);
    }
  }
  out_off += batch * out_sb;
  bias_off += batch * bias_sb;
  for (int i = 0; i < RM; ++i) {
    for (int j = 0; j < RN; ++j) {
      float sum = hsum(acc[i][j]);
      for (long kk = k; kk < K; ++kk) {
        sum += LOAD(A_DT, a, a_row[i] + kk) * LOAD(W_DT, w, w_col[j] + kk);
      }
      if (m0 + i < M && n0 + j < N) STORE_OUT(m0 + i, n0 + j, sum);
    }
  }
}

// w rows contiguous along n (a @ w): each item takes RM rows x RN * VEC
// columns, broadcasting one element of a against VEC columns of w per step.
__kernel void matmul_axpy(MATMUL_ARGS) {
  const long n0 = get_global_id(0) * (RN * VEC);
  const long m0 = get_global_id(1) * RM;
  const long batch = get_global_id(2);
  if (n0 >= N || m0 >= M) return;
  a_off += batch * a_sb;
  w_off += batch * w_sb;
  long a_row[RM];
  for (int i = 0; i < RM; ++i) a_row[i] = a_off + min(m0 + i, M - 1) * a_sm;
  floatV acc[RM][RN];
  for (int i = 0; i < RM; ++i) {
    for (int j = 0; j < RN; ++j) acc[i][j] = (floatV)0.0f;
  }
  const bool whole = n0 + RN * VEC <= N;  // else the last columns, read one by one
  for (long k = 0; k < K; ++k) {
    const long w_row = w_off + k * w_sk + n0;
    floatV wv[RN];
    if (whole) {
      for (int j = 0; j < RN; ++j) wv[j] = VLOAD(W_DT, w, w_row + j * VEC);
    } else {
      float lanes[RN * VEC];
      for (int e = 0; e < RN * VEC; ++e) lanes[e] = n0 + e < N ? LOAD(W_DT, w, w_row + e) : 0.0f;
      for (int j = 0; j < RN; ++j) wv[j] = CAT(vload, VEC)(j, lanes);
    }
    for (int i = 0; i < RM; ++i) {
      floatV av = (floatV)LOAD(A_DT, a, a_row[i] + k * a_sk);
      for (int j = 0; j < RN; ++j) acc[i][j] = fma(av, wv[j], acc[i][j]);
    }
  }
  out_off += batch * out_sb;
  bias_off += batch * bias_sb;
  for (int i = 0; i < RM; ++i) {
    if (m0 + i >= M) break;
    for (int j = 0; j < RN; ++j) {
      float lanes[VEC];
      CAT(vstore, VEC)(acc[i][j], 0, lanes);
      for (int e = 0; e < VEC; ++e) {
        long n = n0 + j * VEC + e;
        if (n < N) STORE_OUT(m0 + i, n, lanes[e]);
      }
    }
  }
}
#endif
