#include "backends/lowering/split_views.h"

#include <cstdlib>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "backends/lowering/kernel_support.h"

namespace tapml::backends::lowering {
namespace {

// A device aligns a view's start down (Vulkan: minStorageBufferOffsetAlignment,
// at most 256 bytes) and its end up to a word: what a bound range may add.
constexpr size_t kSlack = 256;

size_t span_bytes(const Tensor& t) {
  if (!t.buffer || t.numel() == 0) return 0;
  int64_t extent = 1;
  for (size_t d = 0; d < t.sizes.size(); ++d) extent += (t.sizes[d] - 1) * std::abs(t.strides[d]);
  return static_cast<size_t>(extent) * dtype_size(t.dtype) + kSlack;
}

// Per view, the dim one way of cutting the work runs along in it; -1 where
// that view stays whole (a weight when the rows are cut).
using Axis = std::vector<int64_t>;
using Run = std::function<void(const std::vector<Tensor>&)>;

std::vector<Tensor> narrowed(const std::vector<Tensor>& views, const Axis& axis, int64_t start,
                             int64_t length) {
  std::vector<Tensor> part = views;
  for (size_t i = 0; i < views.size(); ++i) {
    if (axis[i] >= 0 && views[i].buffer) part[i] = narrow(views[i], axis[i], start, length);
  }
  return part;
}

[[noreturn]] void cannot_split(const std::vector<Tensor>& views, const ViewLimits& limit) {
  size_t largest = 0;
  for (const Tensor& t : views) largest = std::max(largest, span_bytes(t));
  throw BackendError("a tensor view of " + std::to_string(largest - kSlack) +
                     " bytes does not fit what this device binds at once (" +
                     (limit.bytes != SIZE_MAX
                          ? std::to_string(limit.bytes) + " bytes"
                          : "one allocation of " + std::to_string(limit.chunk) + " bytes") +
                     "), and this primitive cannot be cut so that it fits");
}

// Runs `run` on `views` when every one fits; otherwise halves them along
// the first axis that shrinks an oversized view, and so on down.
void split_run(const std::vector<Tensor>& views, const std::vector<Axis>& axes,
               const ViewLimits& limit, const Run& run) {
  bool any_over = false;
  for (const Tensor& t : views) any_over = any_over || !limit.fit(t);
  if (!any_over) return run(views);
  for (const Axis& axis : axes) {
    int64_t extent = -1;
    bool shrinks = false;
    for (size_t i = 0; i < views.size(); ++i) {
      if (axis[i] < 0 || !views[i].buffer) continue;
      extent = views[i].sizes[static_cast<size_t>(axis[i])];
      // Cutting must shrink what the view spans (not a broadcast dim).
      const size_t span = span_bytes(views[i]) - kSlack;
      if (!limit.fit(views[i]) && extent >= 2 &&
          span_bytes(narrow(views[i], axis[i], 0, extent / 2)) - kSlack <= span / 4 * 3) {
        shrinks = true;
      }
    }
    if (!shrinks) continue;
    const int64_t half = extent / 2;
    split_run(narrowed(views, axis, 0, half), axes, limit, run);
    split_run(narrowed(views, axis, half, extent - half), axes, limit, run);
    return;
  }
  cannot_split(views, limit);
}

// One axis per leading dim of `rank` shared by every view listed as `shared`.
std::vector<Axis> leading_axes(int64_t rank, size_t views) {
  std::vector<Axis> axes;
  for (int64_t d = 0; d < rank; ++d) axes.emplace_back(views, d);
  return axes;
}

// Whether every slice of `slice` rows of `table` fits.
bool slice_fits(const Tensor& table, int64_t slice, const ViewLimits& limit) {
  for (int64_t first = 0; first < table.sizes[0]; first += slice) {
    if (!limit.fit(narrow(table, 0, first, std::min(slice, table.sizes[0] - first)))) return false;
  }
  return true;
}

Tensor or_empty(const std::optional<Tensor>& t) { return t ? *t : Tensor{}; }
std::optional<Tensor> as_optional(const Tensor& t) {
  return t.buffer ? std::optional<Tensor>(t) : std::nullopt;
}

}  // namespace

bool ViewLimits::fit(const Tensor& view) const {
  if (span_bytes(view) > bytes) return false;
  if (chunk == SIZE_MAX || !view.buffer || view.numel() == 0) return true;
  const auto element = static_cast<int64_t>(dtype_size(view.dtype));
  int64_t last = view.offset;
  for (size_t d = 0; d < view.sizes.size(); ++d) last += (view.sizes[d] - 1) * view.strides[d];
  const auto size = static_cast<int64_t>(chunk);
  return view.offset * element / size == (last * element + element - 1) / size;
}

ViewLimits view_limits(Device& device) {
  ViewLimits limits;
  limits.bytes = device.max_view_bytes();
  limits.chunk = device.buffer_chunk_bytes();
  if (const char* text = std::getenv("TAPML_MAX_VIEW_BYTES"); text != nullptr && *text != '\0') {
    const unsigned long long value = std::strtoull(text, nullptr, 10);
    if (value > 0 && value < limits.bytes) limits.bytes = static_cast<size_t>(value);
  }
  return limits;
}

void SplitViews::unary(UnaryOp op, const Tensor& in, const Tensor& out, UnaryParams params) {
  const Tensor source = op == UnaryOp::Fill ? Tensor{} : in;
  split_run({source, out}, leading_axes(out.rank(), 2), limit_,
            [&](const std::vector<Tensor>& v) { inner_.unary(op, v[0], v[1], params); });
}

void SplitViews::binary(BinaryOp op, const Tensor& a, const Tensor& b, const Tensor& out,
                        double alpha) {
  split_run({a, b, out}, leading_axes(out.rank(), 3), limit_,
            [&](const std::vector<Tensor>& v) { inner_.binary(op, v[0], v[1], v[2], alpha); });
}

void SplitViews::where(const Tensor& cond, const Tensor& a, const Tensor& b, const Tensor& out) {
  split_run({cond, a, b, out}, leading_axes(out.rank(), 4), limit_,
            [&](const std::vector<Tensor>& v) { inner_.where(v[0], v[1], v[2], v[3]); });
}

void SplitViews::reduce(ReduceOp op, const Tensor& in, int reduce_dims, const Tensor& out) {
  split_run({in, out}, leading_axes(out.rank(), 2), limit_,
            [&](const std::vector<Tensor>& v) { inner_.reduce(op, v[0], reduce_dims, v[1]); });
}

void SplitViews::cumsum(const Tensor& in, const Tensor& out) {
  split_run({in, out}, leading_axes(out.rank() - 1, 2), limit_,
            [&](const std::vector<Tensor>& v) { inner_.cumsum(v[0], v[1]); });
}

void SplitViews::matmul(const Tensor& a, const Tensor& w, const std::optional<Tensor>& bias,
                        const Tensor& out, double alpha, double beta) {
  // The batch, a's rows, w's columns (the output's rows and columns with them).
  const std::vector<Axis> axes = {{0, 0, 0, 0}, {1, -1, 1, 1}, {-1, 2, 2, 2}};
  split_run({a, w, or_empty(bias), out}, axes, limit_, [&](const std::vector<Tensor>& v) {
    inner_.matmul(v[0], v[1], as_optional(v[2]), v[3], alpha, beta);
  });
}

void SplitViews::softmax(const Tensor& in, const Tensor& out, bool log) {
  split_run({in, out}, {{0, 0}}, limit_,
            [&](const std::vector<Tensor>& v) { inner_.softmax(v[0], v[1], log); });
}

void SplitViews::layer_norm(const Tensor& in, const std::optional<Tensor>& weight,
                            const std::optional<Tensor>& bias, double eps, const Tensor& out,
                            const std::optional<Tensor>& mean, const std::optional<Tensor>& rstd) {
  split_run({in, or_empty(weight), or_empty(bias), out, or_empty(mean), or_empty(rstd)},
            {{0, -1, -1, 0, 0, 0}}, limit_, [&](const std::vector<Tensor>& v) {
              inner_.layer_norm(v[0], as_optional(v[1]), as_optional(v[2]), eps, v[3],
                                as_optional(v[4]), as_optional(v[5]));
            });
}

void SplitViews::gather_rows(const Tensor& in, const Tensor& index, const Tensor& out) {
  if (limit_.fit(in)) {
    split_run({in, index, out}, {{-1, 0, 0}}, limit_,
              [&](const std::vector<Tensor>& v) { inner_.gather_rows(v[0], v[1], v[2]); });
    return;
  }
  // The table is too large: gather from slices of its rows, each index in
  // the slice that holds it (where rows fall is index arithmetic, on the
  // host), into one [R, C] table of the gathered rows, then put those rows
  // in order with one last gather. An index out of range stays out of range
  // (a NaN row, as the primitive has it).
  const int64_t rows = in.sizes[0], count = index.sizes[0];
  if (count == 0) return;
  int64_t slice = rows;
  while (slice > 1 && !slice_fits(in, slice, limit_)) slice = (slice + 1) / 2;
  if (!slice_fits(in, slice, limit_)) cannot_split({in}, limit_);
  std::vector<int64_t> wanted = download_ints(inner_, index);
  for (int64_t& i : wanted) i = i < 0 ? i + rows : i;
  const Tensor gathered = empty(*this, out.dtype, {count, out.sizes[1]});
  std::vector<int64_t> order(static_cast<size_t>(count), count);  // count: out of range
  int64_t filled = 0;
  for (int64_t first = 0; first < rows; first += slice) {
    const int64_t length = std::min(slice, rows - first);
    std::vector<int64_t> local;
    for (int64_t r = 0; r < count; ++r) {
      const int64_t i = wanted[static_cast<size_t>(r)];
      if (i < first || i >= first + length) continue;
      order[static_cast<size_t>(r)] = filled + static_cast<int64_t>(local.size());
      local.push_back(i - first);
    }
    if (local.empty()) continue;
    const auto n = static_cast<int64_t>(local.size());
    gather_rows(narrow(in, 0, first, length), upload_ints(inner_, local, {n}),
                narrow(gathered, 0, filled, n));
    filled += n;
  }
  gather_rows(gathered, upload_ints(inner_, order, {count}), out);
}

void SplitViews::arange(double start, double step, const Tensor& out) {
  std::function<void(const Tensor&, int64_t)> run = [&](const Tensor& piece, int64_t first) {
    if (limit_.fit(piece) || piece.sizes[0] < 2) {
      inner_.arange(start + static_cast<double>(first) * step, step, piece);
      return;
    }
    const int64_t half = piece.sizes[0] / 2;
    run(narrow(piece, 0, 0, half), first);
    run(narrow(piece, 0, half, piece.sizes[0] - half), first + half);
  };
  run(out, 0);
}

void SplitViews::attention(const Tensor& q, const Tensor& k, const Tensor& v,
                           const std::optional<Tensor>& mask, bool causal, double scale,
                           const Tensor& out) {
  // The batch; the queries too unless causal (the causal diagonal depends
  // on where a query is among all of them).
  std::vector<Axis> axes = {{0, 0, 0, 0, 0}};
  if (!causal) axes.push_back({1, -1, -1, 1, 1});
  split_run({q, k, v, or_empty(mask), out}, axes, limit_, [&](const std::vector<Tensor>& t) {
    inner_.attention(t[0], t[1], t[2], as_optional(t[3]), causal, scale, t[4]);
  });
}

}  // namespace tapml::backends::lowering
