// matmul (a tiled local-memory kernel) and attention (two matmuls around a
// masked softmax over fp32 scores).
#include <algorithm>
#include <string>

#include "backends/opencl/kernel_args.h"
#include "backends/opencl/opencl_primitives.h"
#include "backends/opencl/program_cache.h"

namespace tapml::backends::opencl {
namespace {

constexpr size_t kRowGroup = 128;  // kernels/common.cl's ROW_GROUP
// Attention's fp32 scores are made in batches of at most this many bytes.
constexpr int64_t kScoresBudget = int64_t{256} << 20;

// The work-group shape of kernels/matmul.cl: LX x LY items, each owning
// WM x WN outputs, over TK-deep slices.
struct Tiling {
  int lx, ly, wm, wn, tk;
  int64_t tile_m() const { return int64_t{ly} * wm; }
  int64_t tile_n() const { return int64_t{lx} * wn; }
};

// Short products (one token, a few) get a tile one or a few rows high, so
// that no work is spent on rows that do not exist.
Tiling tiling_for(int64_t m) {
  if (m <= 1) return {64, 1, 1, 4, 16};
  if (m <= 4) return {64, 1, 4, 4, 16};
  if (m <= 32) return {16, 8, 4, 4, 16};
  return {16, 16, 4, 4, 16};
}

void require_rank3(const Tensor& tensor, const char* what) {
  if (tensor.rank() != 3) {
    throw BackendError(std::string("opencl: matmul ") + what + " needs rank 3, got " +
                       std::to_string(tensor.rank()));
  }
}

// Tensor `t` with its last two dims swapped (a view, no copy).
Tensor transposed(const Tensor& t) {
  Tensor view = t;
  std::swap(view.sizes[1], view.sizes[2]);
  std::swap(view.strides[1], view.strides[2]);
  return view;
}

// Whether w's buffer holds B * K * N elements from its offset, so that the
// planted bug's contiguous reading stays inside it.
bool fits_contiguous(const Tensor& w) {
  auto elements = static_cast<int64_t>(w.buffer->size() / dtype_size(w.dtype));
  return w.offset + w.numel() <= elements;
}

void launch_matmul(OpenCLDevice& device, const Tensor& a, const Tensor& w,
                   const std::optional<Tensor>& bias, const Tensor& out, double alpha, double beta,
                   bool ignore_w_strides) {
  require_rank3(a, "a");
  require_rank3(w, "w");
  require_rank3(out, "out");
  const int64_t batches = a.sizes[0], m = a.sizes[1], k = a.sizes[2], n = w.sizes[2];
  if (w.sizes[0] != batches || w.sizes[1] != k || out.sizes != std::vector<int64_t>{batches, m, n}) {
    throw BackendError("opencl: matmul shapes do not agree ([B, M, K] @ [B, K, N] -> [B, M, N])");
  }
  // torch's addmm ignores the bias when beta is 0, NaNs included.
  const bool with_bias = bias.has_value() && beta != 0;
  if (with_bias) {
    require_rank3(*bias, "bias");
    if (bias->sizes != out.sizes) throw BackendError("opencl: matmul bias not broadcast to out");
  }
  if (out.numel() == 0) return;

  const Tiling t = tiling_for(m);
  const bool as_float = computes_in_float({a.dtype, w.dtype, out.dtype});
  std::string options = " -DA_DT=" + dtype_token(device, a.dtype) +
                        " -DW_DT=" + dtype_token(device, w.dtype) +
                        " -DOUT_DT=" + dtype_token(device, out.dtype) +
                        compute_type_options({a.dtype, w.dtype, out.dtype}) +
                        " -DLX=" + std::to_string(t.lx) + " -DLY=" + std::to_string(t.ly) +
                        " -DWM=" + std::to_string(t.wm) + " -DWN=" + std::to_string(t.wn) +
                        " -DTK=" + std::to_string(t.tk);
  if (with_bias) options += " -DBIAS_DT=" + dtype_token(device, bias->dtype);
  if (a.strides[1] == 1 && a.strides[2] != 1) options += " -DA_M_FAST";
  if (w.strides[1] == 1 && w.strides[2] != 1) options += " -DW_K_FAST";
  if (ignore_w_strides && fits_contiguous(w)) options += " -DPLANT_IGNORE_W_STRIDE";

  cl_kernel kernel = device.programs().kernel("matmul", options, "matmul");
  const Tensor& bias_view = with_bias ? *bias : out;  // never read without BIAS_DT
  KernelArgs(kernel)
      .view(a)
      .add(static_cast<cl_long>(a.strides[0]))
      .add(static_cast<cl_long>(a.strides[1]))
      .add(static_cast<cl_long>(a.strides[2]))
      .view(w)
      .add(static_cast<cl_long>(w.strides[0]))
      .add(static_cast<cl_long>(w.strides[1]))
      .add(static_cast<cl_long>(w.strides[2]))
      .view(bias_view)
      .add(static_cast<cl_long>(bias_view.strides[0]))
      .add(static_cast<cl_long>(bias_view.strides[1]))
      .add(static_cast<cl_long>(bias_view.strides[2]))
      .view(out)
      .add(static_cast<cl_long>(out.strides[0]))
      .add(static_cast<cl_long>(out.strides[1]))
      .add(static_cast<cl_long>(out.strides[2]))
      .add(static_cast<cl_long>(m))
      .add(static_cast<cl_long>(n))
      .add(static_cast<cl_long>(k))
      .scalar(as_float, alpha)
      .scalar(as_float, beta);
  const auto groups_n = static_cast<size_t>((n + t.tile_n() - 1) / t.tile_n());
  const auto groups_m = static_cast<size_t>((m + t.tile_m() - 1) / t.tile_m());
  const auto lx = static_cast<size_t>(t.lx), ly = static_cast<size_t>(t.ly);
  launch(device, kernel, {groups_n * lx, groups_m * ly, static_cast<size_t>(batches)}, {lx, ly, 1});
}

}  // namespace

void OpenCLPrimitives::matmul(const Tensor& a, const Tensor& w, const std::optional<Tensor>& bias,
                              const Tensor& out, double alpha, double beta) {
  launch_matmul(device_, a, w, bias, out, alpha, beta, planted_bug("matmul-ignores-stride"));
}

void OpenCLPrimitives::attention(const Tensor& q, const Tensor& k, const Tensor& v,
                                 const std::optional<Tensor>& mask, bool causal, double scale,
                                 const Tensor& out) {
  for (const Tensor* t : {&q, &k, &v, &out}) require_rank3(*t, "attention operand");
  const int64_t batches = q.sizes[0], l = q.sizes[1], s = k.sizes[1];
  if (k.sizes[0] != batches || v.sizes[0] != batches || v.sizes[1] != s ||
      k.sizes[2] != q.sizes[2] || out.sizes != std::vector<int64_t>{batches, l, v.sizes[2]}) {
    throw BackendError("opencl: attention shapes do not agree (q [B, L, E], k [B, S, E], "
                       "v [B, S, Ev], out [B, L, Ev])");
  }
  if (mask) {
    require_rank3(*mask, "attention mask");
    if (mask->sizes != std::vector<int64_t>{batches, l, s}) {
      throw BackendError("opencl: attention mask not broadcast to [B, L, S]");
    }
  }
  if (out.numel() == 0) return;

  std::string options;
  if (mask) {
    options = " -DMASK_DT=" + dtype_token(device_, mask->dtype);
    if (mask->dtype == DType::Bool) options += " -DMASK_BOOL";
  }
  cl_kernel softmax = device_.programs().kernel("attention", options, "masked_softmax");

  // Scores for `chunk` batches at a time, reused across chunks.
  const int64_t row_bytes = std::max<int64_t>(l * s * 4, 1);
  const int64_t chunk = std::clamp<int64_t>(kScoresBudget / row_bytes, 1, batches);
  Tensor scores{device_.alloc(static_cast<size_t>(chunk * l * s * 4)), DType::Float32,
                {chunk, l, s}, {l * s, s, 1}, 0};
  auto batch_slice = [](Tensor t, int64_t first, int64_t count) {
    t.offset += first * t.strides[0];
    t.sizes[0] = count;
    return t;
  };
  for (int64_t first = 0; first < batches; first += chunk) {
    const int64_t count = std::min(chunk, batches - first);
    Tensor part_scores = batch_slice(scores, 0, count);
    launch_matmul(device_, batch_slice(q, first, count), transposed(batch_slice(k, first, count)),
                  std::nullopt, part_scores, scale, 0, false);
    KernelArgs args(softmax);
    args.view(part_scores).add(static_cast<cl_long>(l)).add(static_cast<cl_long>(s));
    if (mask) {
      Tensor part_mask = batch_slice(*mask, first, count);
      args.view(part_mask)
          .add(static_cast<cl_long>(part_mask.strides[0]))
          .add(static_cast<cl_long>(part_mask.strides[1]))
          .add(static_cast<cl_long>(part_mask.strides[2]));
    } else {
      args.view(part_scores).add(cl_long{0}).add(cl_long{0}).add(cl_long{0});
    }
    args.add(static_cast<cl_int>(causal ? 1 : 0));
    launch(device_, softmax, {static_cast<size_t>(count * l) * kRowGroup}, {kRowGroup});
    launch_matmul(device_, part_scores, batch_slice(v, first, count), std::nullopt,
                  batch_slice(out, first, count), 1, 0, false);
  }
}

}  // namespace tapml::backends::opencl
