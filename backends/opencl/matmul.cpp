// matmul (a tiled local-memory kernel) and attention (two matmuls around a
// masked softmax over fp32 scores).
#include <algorithm>
#include <cstdlib>
#include <string>

#include "backends/opencl/kernel_args.h"
#include "backends/opencl/opencl_primitives.h"
#include "backends/opencl/program_cache.h"

namespace tapml::backends::opencl {
namespace {

constexpr size_t kRowGroup = 128;  // kernels/common.cl's ROW_GROUP
// Work items per group of the CPU kernels.
constexpr size_t kVectorGroup = 16;
// Attention's fp32 scores are made in batches of at most this many bytes.
constexpr int64_t kScoresBudget = int64_t{256} << 20;

// Which kernel of kernels/matmul.cl runs a product.
enum class Design {
  Tiled,  // local-memory tiles, for GPUs; any dtypes and strides
  Dot,    // CPU: a's rows and w's columns contiguous along k
  Axpy,   // CPU: w's rows contiguous along n
};

// The shape of the work each design gives an item and a group. Tiled:
// groups of LX x LY items, each owning WM x WN outputs, over TK-deep slices.
// Dot: RM x RN outputs per item. Axpy: RM rows x RN vectors of VEC columns.
struct Tiling {
  int lx = 0, ly = 0, wm = 0, wn = 0, tk = 0;  // Tiled
  int rm = 0, rn = 0, vec = 16;                // Dot, Axpy
};

// Short products (one token, a few) get tiles one or a few rows high, so
// that no work is spent on rows that do not exist.
Tiling tiling_for(Design design, int64_t m) {
  Tiling t;
  if (design == Design::Tiled) {
    if (m <= 1) return {64, 1, 1, 4, 16};
    if (m <= 4) return {64, 1, 4, 4, 16};
    if (m <= 32) return {16, 8, 4, 4, 16};
    return {16, 16, 4, 4, 16};
  }
  t.rm = m <= 1 ? 1 : (m <= 2 ? 2 : 4);
  t.rn = design == Design::Dot ? (m <= 1 ? 8 : 4) : (m <= 1 ? 4 : 2);
  return t;
}

bool vector_dtype(DType dtype) {
  return dtype == DType::Float32 || dtype == DType::Float16 || dtype == DType::BFloat16;
}

// TAPML_OPENCL_MATMUL=tiled or =vector forces a design where it applies
// (tests run the GPU design on CPUs that way); by default CPUs get vectors.
Design pick_design(const OpenCLDevice& device, const Tensor& a, const Tensor& w, const Tensor& out,
                   const std::optional<Tensor>& bias) {
  const char* forced = std::getenv("TAPML_OPENCL_MATMUL");
  bool want_vector = forced ? std::string(forced) == "vector" : device.is_cpu();
  bool vector_ok = vector_dtype(a.dtype) && vector_dtype(w.dtype) && dtype_is_floating(out.dtype) &&
                   (!bias || dtype_is_floating(bias->dtype));
  if (!want_vector || !vector_ok) return Design::Tiled;
  if (a.strides[2] == 1 && w.strides[1] == 1) return Design::Dot;
  if (w.strides[2] == 1) return Design::Axpy;
  return Design::Tiled;
}

std::string design_options(Design design, const Tiling& t, const Tensor& a, const Tensor& w) {
  auto define = [](const char* name, int value) {
    return std::string(" -D") + name + "=" + std::to_string(value);
  };
  if (design != Design::Tiled)
    return define("VEC", t.vec) + define("RM", t.rm) + define("RN", t.rn);
  std::string options = define("LX", t.lx) + define("LY", t.ly) + define("WM", t.wm) +
                        define("WN", t.wn) + define("TK", t.tk);
  if (a.strides[1] == 1 && a.strides[2] != 1) options += " -DA_M_FAST";
  if (w.strides[1] == 1 && w.strides[2] != 1) options += " -DW_K_FAST";
  return options;
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

// The planted matmul-ignores-stride bug: w read as a contiguous [B, K, N]
// whatever its strides, where its buffer holds that many elements.
Tensor as_if_contiguous(const Tensor& w) {
  auto elements = static_cast<int64_t>(w.buffer->size() / dtype_size(w.dtype));
  if (w.offset + w.numel() > elements) return w;
  Tensor view = w;
  view.strides = contiguous_strides(w.sizes);
  return view;
}

void launch_matmul(OpenCLDevice& device, const Tensor& a, const Tensor& w_in,
                   const std::optional<Tensor>& bias, const Tensor& out, double alpha, double beta,
                   bool ignore_w_strides, bool bf16_accumulate = false) {
  require_rank3(a, "a");
  require_rank3(w_in, "w");
  require_rank3(out, "out");
  const int64_t batches = a.sizes[0], m = a.sizes[1], k = a.sizes[2], n = w_in.sizes[2];
  if (w_in.sizes[0] != batches || w_in.sizes[1] != k ||
      out.sizes != std::vector<int64_t>{batches, m, n}) {
    throw BackendError("opencl: matmul shapes do not agree ([B, M, K] @ [B, K, N] -> [B, M, N])");
  }
  // torch's addmm ignores the bias when beta is 0, NaNs included.
  const bool with_bias = bias.has_value() && beta != 0;
  if (with_bias) {
    require_rank3(*bias, "bias");
    if (bias->sizes != out.sizes) throw BackendError("opencl: matmul bias not broadcast to out");
  }
  if (out.numel() == 0) return;
  const Tensor w = ignore_w_strides ? as_if_contiguous(w_in) : w_in;

  // The planted matmul-bf16-accumulate bug lives in the tiled kernel.
  const bool plant_bf16 =
      bf16_accumulate && (a.dtype == DType::BFloat16 || w.dtype == DType::BFloat16);
  const Design design =
      plant_bf16 ? Design::Tiled : pick_design(device, a, w, out, with_bias ? bias : std::nullopt);
  const Tiling t = tiling_for(design, m);
  const bool as_float = computes_in_float({a.dtype, w.dtype, out.dtype});
  std::string options =
      " -DA_DT=" + dtype_token(device, a.dtype) + " -DW_DT=" + dtype_token(device, w.dtype) +
      " -DOUT_DT=" + dtype_token(device, out.dtype) +
      compute_type_options({a.dtype, w.dtype, out.dtype}) + design_options(design, t, a, w);
  if (with_bias) options += " -DBIAS_DT=" + dtype_token(device, bias->dtype);
  if (plant_bf16) options += " -DPLANT_BF16_ACC";

  const char* name = design == Design::Tiled ? "matmul"
                     : design == Design::Dot ? "matmul_dot"
                                             : "matmul_axpy";
  cl_kernel kernel = device.programs().kernel("matmul", options, name);
  const Tensor& bias_view = with_bias ? *bias : out;  // never read without BIAS_DT
  KernelArgs args(kernel);
  for (const Tensor* operand : {&a, &w, &bias_view, &out}) {
    args.view(*operand);
    for (int d = 0; d < 3; ++d) args.add(static_cast<cl_long>(operand->strides[d]));
  }
  args.add(static_cast<cl_long>(m))
      .add(static_cast<cl_long>(n))
      .add(static_cast<cl_long>(k))
      .scalar(as_float, alpha)
      .scalar(as_float, beta);

  auto blocks = [](int64_t extent, int64_t block) {
    return static_cast<size_t>((extent + block - 1) / block);
  };
  const auto b = static_cast<size_t>(batches);
  if (design == Design::Tiled) {
    const auto lx = static_cast<size_t>(t.lx), ly = static_cast<size_t>(t.ly);
    launch(device, kernel,
           {blocks(n, int64_t{t.lx} * t.wn) * lx, blocks(m, int64_t{t.ly} * t.wm) * ly, b},
           {lx, ly, 1});
  } else {
    const int64_t columns = design == Design::Dot ? t.rn : int64_t{t.rn} * t.vec;
    launch(device, kernel, {blocks(n, columns), blocks(m, t.rm), b}, {kVectorGroup, 1, 1});
  }
}

}  // namespace

void OpenCLPrimitives::matmul(const Tensor& a, const Tensor& w, const std::optional<Tensor>& bias,
                              const Tensor& out, double alpha, double beta) {
  launch_matmul(device_, a, w, bias, out, alpha, beta, planted_bug("matmul-ignores-stride"),
                planted_bug("matmul-bf16-accumulate"));
}

void OpenCLPrimitives::attention(const Tensor& q, const Tensor& k, const Tensor& v,
                                 const std::optional<Tensor>& mask, bool causal, double scale,
                                 const Tensor& out) {
  for (const Tensor* t : {&q, &k, &v, &out}) require_rank3(*t, "attention operand");
  const int64_t batches = q.sizes[0], l = q.sizes[1], s = k.sizes[1];
  if (k.sizes[0] != batches || v.sizes[0] != batches || v.sizes[1] != s ||
      k.sizes[2] != q.sizes[2] || out.sizes != std::vector<int64_t>{batches, l, v.sizes[2]}) {
    throw BackendError(
        "opencl: attention shapes do not agree (q [B, L, E], k [B, S, E], "
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
  Tensor scores{device_.alloc(static_cast<size_t>(chunk * l * s * 4)),
                DType::Float32,
                {chunk, l, s},
                {l * s, s, 1},
                0};
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
