// Reductions over trailing dims, and cumulative sums.
#include <cmath>
#include <limits>
#include <string>

#include "backends/cpu/cpu_primitives.h"
#include "backends/cpu/elements.h"
#include "backends/cpu/host_tensor.h"

namespace tapml::backends::cpu {
namespace {

// The leading `rank` dims of t (the reduced dims dropped).
Tensor leading_view(const Tensor& t, size_t rank) {
  Tensor view = t;
  view.sizes.resize(rank);
  view.strides.resize(rank);
  return view;
}

// The trailing dims of t from `first`, at offset 0.
Tensor trailing_view(const Tensor& t, size_t first) {
  Tensor view = t;
  view.offset = 0;
  view.sizes.assign(t.sizes.begin() + static_cast<ptrdiff_t>(first), t.sizes.end());
  view.strides.assign(t.strides.begin() + static_cast<ptrdiff_t>(first), t.strides.end());
  return view;
}

bool greater_for_arg(double candidate, double best) {
  // torch's argmax takes NaN as the largest value.
  if (std::isnan(best)) return false;
  return std::isnan(candidate) || candidate > best;
}

// Any: 1 if some element is nonzero; All: 1 if every element is (1 for none).
template <typename At>
int64_t any_or_all(ReduceOp op, int64_t n, const At& at) {
  const bool any = op == ReduceOp::Any;
  for (int64_t i = 0; i < n; ++i) {
    if ((at(i) != 0) == any) return any ? 1 : 0;
  }
  return any ? 0 : 1;
}

// One reduction of the elements at base + offsets[i], computed as floats.
double reduce_floats(ReduceOp op, DType dtype, const std::byte* data, int64_t base,
                     const std::vector<int64_t>& offsets) {
  const auto n = static_cast<int64_t>(offsets.size());
  auto at = [&](int64_t i) { return load<double>(dtype, data, base + offsets[i]); };
  switch (op) {
    case ReduceOp::Sum:
    case ReduceOp::Mean: {
      // Planted bugs: stop one element short; accumulate in fp16.
      const int64_t count = planted_bug("reduce-off-by-one") && n > 0 ? n - 1 : n;
      const bool fp16 = planted_bug("sum-fp16-accumulate");
      double sum = 0;
      for (int64_t i = 0; i < count; ++i) {
        sum += at(i);
        if (fp16) sum = round_to_half(static_cast<float>(sum));
      }
      return op == ReduceOp::Mean ? sum / static_cast<double>(n) : sum;
    }
    case ReduceOp::Prod: {
      double product = 1;
      for (int64_t i = 0; i < n; ++i) product *= at(i);
      return product;
    }
    case ReduceOp::Max:
    case ReduceOp::Min: {
      if (n == 0) throw BackendError("cpu: max/min of no elements");
      double best = at(0);
      for (int64_t i = 1; i < n && !std::isnan(best); ++i) {
        const double x = at(i);
        if (std::isnan(x) || (op == ReduceOp::Max ? x > best : x < best)) best = x;
      }
      return best;
    }
    case ReduceOp::ArgMax:
    case ReduceOp::ArgMin: {
      if (n == 0) throw BackendError("cpu: argmax/argmin of no elements");
      int64_t best_index = 0;
      double best = at(0);
      for (int64_t i = 1; i < n; ++i) {
        const double x = at(i);
        const bool better =
            op == ReduceOp::ArgMax ? greater_for_arg(x, best) : greater_for_arg(-x, -best);
        if (better) {
          best = x;
          best_index = i;
        }
      }
      return static_cast<double>(best_index);
    }
    case ReduceOp::Any:
    case ReduceOp::All:
      return static_cast<double>(any_or_all(op, n, at));
    case ReduceOp::Norm2: {
      double sum = 0;
      for (int64_t i = 0; i < n; ++i) sum += at(i) * at(i);
      return std::sqrt(sum);
    }
  }
  throw BackendError("cpu: unknown reduction");
}

// The same over integers, exact.
int64_t reduce_ints(ReduceOp op, DType dtype, const std::byte* data, int64_t base,
                    const std::vector<int64_t>& offsets) {
  const auto n = static_cast<int64_t>(offsets.size());
  auto at = [&](int64_t i) { return load<int64_t>(dtype, data, base + offsets[i]); };
  switch (op) {
    case ReduceOp::Sum: {
      const int64_t count = planted_bug("reduce-off-by-one") && n > 0 ? n - 1 : n;
      int64_t sum = 0;
      for (int64_t i = 0; i < count; ++i) sum += at(i);
      return sum;
    }
    case ReduceOp::Prod: {
      int64_t product = 1;
      for (int64_t i = 0; i < n; ++i) product *= at(i);
      return product;
    }
    case ReduceOp::Max:
    case ReduceOp::Min:
    case ReduceOp::ArgMax:
    case ReduceOp::ArgMin: {
      if (n == 0) throw BackendError("cpu: max/min of no elements");
      const bool max = op == ReduceOp::Max || op == ReduceOp::ArgMax;
      int64_t best_index = 0;
      int64_t best = at(0);
      for (int64_t i = 1; i < n; ++i) {
        const int64_t x = at(i);
        if (max ? x > best : x < best) {
          best = x;
          best_index = i;
        }
      }
      return op == ReduceOp::Max || op == ReduceOp::Min ? best : best_index;
    }
    case ReduceOp::Any:
    case ReduceOp::All:
      return any_or_all(op, n, at);
    case ReduceOp::Mean:
    case ReduceOp::Norm2:
      break;
  }
  throw BackendError("cpu: mean and norm need a floating output");
}

}  // namespace

void CpuPrimitives::reduce(ReduceOp op, const Tensor& in, int reduce_dims, const Tensor& out) {
  if (reduce_dims < 0 || reduce_dims > in.rank()) throw BackendError("cpu: bad reduce_dims");
  const auto lead = static_cast<size_t>(in.rank() - reduce_dims);
  const Tensor lead_in = leading_view(in, lead);
  if (lead_in.sizes != out.sizes) throw BackendError("cpu: reduce out sizes differ from in's lead");
  const std::byte* in_data = host_data(in);
  std::byte* out_data = host_data(out);
  const std::vector<int64_t> offsets = relative_offsets(trailing_view(in, lead));
  // Integers reduce exactly unless the result is a float (a mean, a norm, a sum to float).
  const bool as_float = compute_type({&in, &out}) != ComputeType::Int;
  for_each_offset<2>(out.sizes, {&lead_in, &out}, [&](const auto& o) {
    if (as_float) {
      store<double>(out.dtype, out_data, o[1], reduce_floats(op, in.dtype, in_data, o[0], offsets));
    } else {
      store<int64_t>(out.dtype, out_data, o[1], reduce_ints(op, in.dtype, in_data, o[0], offsets));
    }
  });
}

void CpuPrimitives::cumsum(const Tensor& in, const Tensor& out) {
  if (in.sizes != out.sizes || in.rank() == 0) throw BackendError("cpu: cumsum sizes");
  const size_t lead = in.sizes.size() - 1;
  const Tensor lead_in = leading_view(in, lead);
  const Tensor lead_out = leading_view(out, lead);
  const std::byte* in_data = host_data(in);
  std::byte* out_data = host_data(out);
  const int64_t n = in.sizes.back();
  const int64_t in_step = in.strides.back();
  const int64_t out_step = out.strides.back();
  const bool as_float = compute_type({&in, &out}) != ComputeType::Int;
  for_each_offset<2>(lead_in.sizes, {&lead_in, &lead_out}, [&](const auto& o) {
    double float_sum = 0;
    int64_t int_sum = 0;
    for (int64_t i = 0; i < n; ++i) {
      if (as_float) {
        float_sum += load<double>(in.dtype, in_data, o[0] + i * in_step);
        store<double>(out.dtype, out_data, o[1] + i * out_step, float_sum);
      } else {
        int_sum += load<int64_t>(in.dtype, in_data, o[0] + i * in_step);
        store<int64_t>(out.dtype, out_data, o[1] + i * out_step, int_sum);
      }
    }
  });
}

}  // namespace tapml::backends::cpu
