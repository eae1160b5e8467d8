// out[b] = beta * bias[b] + alpha * (a[b] @ w[b]) over strided views, a: [B, M, K],
// w: [B, K, N], out: [B, M, N], bias broadcast to out's shape by its strides.
// Each work-group computes a TM x TN tile of out, staging TK-deep slices of a
// and w in local memory (converted to CT, which accumulates: fp32 for floats);
// each work item owns WM x WN outputs spaced LY rows and LX columns apart,
// so that neighbouring items read neighbouring local words.
// Built with -D A_DT, W_DT, OUT_DT, CT, CT_FLOAT, LX, LY, WM, WN, TK; BIAS_DT
// when there is a bias; A_M_FAST / W_K_FAST when a's rows / w's columns are
// the strided way round (the slices are then read along the contiguous dim);
// PLANT_IGNORE_W_STRIDE for the planted matmul-ignores-stride bug.
#define TM (LY * WM)
#define TN (LX * WN)
#define THREADS (LX * LY)

__kernel __attribute__((reqd_work_group_size(LX, LY, 1))) void matmul(
    src_t a, long a_off, long a_sb, long a_sm, long a_sk, src_t w, long w_off, long w_sb,
    long w_sk, long w_sn, src_t bias, long bias_off, long bias_sb, long bias_sm, long bias_sn,
    dst_t out, long out_off, long out_sb, long out_sm, long out_sn, long M, long N, long K,
    CT alpha, CT beta) {
  __local CT a_tile[TK][TM];
  __local CT w_tile[TK][TN];
#ifdef PLANT_IGNORE_W_STRIDE
  w_sb = K * N;
  w_sk = N;
  w_sn = 1;
#endif
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
        for (int j = 0; j < WN; ++j) acc[i][j] += a_reg[i] * w_reg[j];
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
