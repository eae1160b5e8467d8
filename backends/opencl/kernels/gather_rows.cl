// out[r, c] = in[index[r], c] over strided 2-d views, a work item per
// element; negative indices count from the end and a row whose index is out
// of range is NaN (0 for integers). Built with -D INDEX_DT and either RAW_T
// with MISSING (in and out share a dtype: copied bit for bit) or IN_DT,
// OUT_DT, CT (converted).
__kernel void gather_rows(src_t in, long in_off, long in_row_stride, long in_col_stride,
                          long in_rows, src_t index, long index_off, long index_stride,
                          dst_t out, long out_off, long out_row_stride, long out_col_stride,
                          long rows, long cols) {
  long c = get_global_id(0);
  long r = get_global_id(1);
  if (c >= cols || r >= rows) return;
  long source = CAT(load_, INDEX_DT)(index, index_off + r * index_stride);
  if (source < 0) source += in_rows;
  bool valid = source >= 0 && source < in_rows;
  long from = in_off + source * in_row_stride + c * in_col_stride;
  long to = out_off + r * out_row_stride + c * out_col_stride;
#ifdef RAW_T
  ((__global RAW_T*)out)[to] = valid ? ((__global const RAW_T*)in)[from] : (RAW_T)(MISSING);
#else
  STORE(OUT_DT, out, to, valid ? LOAD(IN_DT, in, from) : (CT)(CT_FLOAT ? NAN : 0));
#endif
}
