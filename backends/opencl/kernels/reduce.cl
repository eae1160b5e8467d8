// Reductions of the trailing (inner) dims of a strided view; the leading
// (outer) dims index the output. Built with -D IN_DT, OUT_DT, CT, CT_FLOAT
// and the planted bugs PLANT_OFF_BY_ONE (Sum and Mean stop one element short)
// and PLANT_FP16_SUM (Sum and Mean accumulate sequentially in fp16); the op
// is an argument holding tapml::backends::ReduceOp's value. reduce_serial
// gives each output one work item (short inner extents); reduce_group gives
// it a work-group of GROUP_SIZE items that combine their partial results in
// local memory.

// The values of tapml::backends::ReduceOp.
enum { R_SUM, R_MEAN, R_MAX, R_MIN, R_PROD, R_ARGMAX, R_ARGMIN, R_ANY, R_ALL, R_NORM2 };

#define GROUP_SIZE 256

#if CT_FLOAT
#define CT_LOWEST (-INFINITY)
#define CT_HIGHEST INFINITY
#else
#define CT_LOWEST LONG_MIN
#define CT_HIGHEST LONG_MAX
#endif

// A partial result: a value and, for ArgMax and ArgMin, where it is (-1: nowhere yet).
typedef struct {
  CT value;
  long index;
} partial_t;

inline partial_t reduce_start(int op) {
  partial_t p;
  p.index = -1;
  switch (op) {
    case R_MAX:
    case R_ARGMAX: p.value = CT_LOWEST; break;
    case R_MIN:
    case R_ARGMIN: p.value = CT_HIGHEST; break;
    case R_PROD:
    case R_ALL: p.value = (CT)1; break;
    default: p.value = (CT)0;
  }
  return p;
}

// Whether (v, i) beats the partial p for ArgMax/ArgMin: NaN counts as the
// extreme value, as in torch, and ties go to the lower index.
inline bool arg_better(int op, CT v, long i, partial_t p) {
  if (i < 0) return false;
  if (p.index < 0) return true;
  bool v_nan = IS_NAN(v);
  bool p_nan = IS_NAN(p.value);
  if (v_nan || p_nan) return v_nan && (!p_nan || i < p.index);
  if (v == p.value) return i < p.index;
  return op == R_ARGMAX ? v > p.value : v < p.value;
}

// Folds (v, i) into p; also combines two partials, since v may be one's value.
inline partial_t reduce_step(int op, partial_t p, CT v, long i) {
  switch (op) {
    case R_SUM:
    case R_MEAN:
#ifdef PLANT_FP16_SUM
      p.value = round_to_half(p.value + v);
#else
      p.value += v;
#endif
      break;
    case R_NORM2: p.value += v * v; break;
    case R_PROD: p.value *= v; break;
    case R_MAX: p.value = IS_NAN(p.value) || (!IS_NAN(v) && v <= p.value) ? p.value : v; break;
    case R_MIN: p.value = IS_NAN(p.value) || (!IS_NAN(v) && v >= p.value) ? p.value : v; break;
    case R_ANY: p.value = p.value != (CT)0 || v != (CT)0; break;
    case R_ALL: p.value = p.value != (CT)0 && v != (CT)0; break;
    case R_ARGMAX:
    case R_ARGMIN:
      if (arg_better(op, v, i, p)) {
        p.value = v;
        p.index = i;
      }
      break;
  }
  return p;
}

// Combining two partials: Norm2's partials are already sums of squares (and
// no planted Sum bug touches them).
inline partial_t reduce_combine(int op, partial_t p, partial_t q) {
  if (op == R_NORM2) {
    p.value += q.value;
    return p;
  }
  return reduce_step(op, p, q.value, q.index);
}

inline long reduce_stop(int op, long inner_n) {
#ifdef PLANT_OFF_BY_ONE
  if ((op == R_SUM || op == R_MEAN) && inner_n > 0) return inner_n - 1;
#endif
  return inner_n;
}

// Accumulates inner elements first, first + step, ... of the view at base.
inline partial_t reduce_range(int op, src_t in, long base, long8 inner_sizes, long8 inner_strides,
                              int inner_rank, long inner_n, long first, long step) {
  partial_t p = reduce_start(op);
  long c[MAX_RANK];
  long stop = reduce_stop(op, inner_n);
#ifdef PLANT_FP16_SUM
  // The bug as it is usually written: one running fp16 sum over the whole
  // row (a tree of fp16 partials would hide it on short or uniform rows).
  if (op == R_SUM || op == R_MEAN) {
    if (first != 0) return p;
    step = 1;
  }
#endif
  for (long r = first; r < stop; r += step) {
    coords_of(r, inner_rank, inner_sizes, c);
    CT v = LOAD(IN_DT, in, base + offset_of(c, inner_rank, inner_strides));
    p = reduce_step(op, p, v, r);
  }
  return p;
}

inline void reduce_store(int op, partial_t p, long inner_n, dst_t out, long at) {
  if (op == R_ARGMAX || op == R_ARGMIN) {
    CAT(store_, OUT_DT)(out, at, p.index);  // an exact long, whatever CT is
  } else if (op == R_MEAN) {
    STORE(OUT_DT, out, at, p.value / (CT)inner_n);
  } else if (op == R_NORM2) {
    STORE(OUT_DT, out, at, (CT)sqrt((float)p.value));
  } else {
    STORE(OUT_DT, out, at, p.value);
  }
}

// The arguments both kernels share.
#define REDUCE_ARGS                                                                              \
  src_t in, long in_off, long8 outer_sizes, long8 outer_strides, int outer_rank,               \
      long8 inner_sizes, long8 inner_strides, int inner_rank, long inner_n, dst_t out,           \
      long out_off, long8 out_strides, long outer_n, int op

__kernel void reduce_serial(REDUCE_ARGS) {
  long o = get_global_id(0);
  if (o >= outer_n) return;
  long c[MAX_RANK];
  coords_of(o, outer_rank, outer_sizes, c);
  long base = in_off + offset_of(c, outer_rank, outer_strides);
  partial_t p =
      reduce_range(op, in, base, inner_sizes, inner_strides, inner_rank, inner_n, 0, 1);
  reduce_store(op, p, inner_n, out, out_off + offset_of(c, outer_rank, out_strides));
}

__kernel __attribute__((reqd_work_group_size(GROUP_SIZE, 1, 1))) void reduce_group(REDUCE_ARGS) {
  __local CT values[GROUP_SIZE];
  __local long indices[GROUP_SIZE];
  long o = get_group_id(0);
  int lid = get_local_id(0);
  long c[MAX_RANK];
  coords_of(o, outer_rank, outer_sizes, c);
  long base = in_off + offset_of(c, outer_rank, outer_strides);
  partial_t p = reduce_range(op, in, base, inner_sizes, inner_strides, inner_rank, inner_n, lid,
                             GROUP_SIZE);
  values[lid] = p.value;
  indices[lid] = p.index;
  barrier(CLK_LOCAL_MEM_FENCE);
  for (int s = GROUP_SIZE / 2; s > 0; s >>= 1) {
    if (lid < s) {
      partial_t mine = {values[lid], indices[lid]};
      partial_t theirs = {values[lid + s], indices[lid + s]};
      mine = reduce_combine(op, mine, theirs);
      values[lid] = mine.value;
      indices[lid] = mine.index;
    }
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  if (lid == 0) {
    partial_t total = {values[0], indices[0]};
    reduce_store(op, total, inner_n, out, out_off + offset_of(c, outer_rank, out_strides));
  }
}
