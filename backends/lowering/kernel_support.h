// What every lowering uses: registering an aten kernel in one line, reading
// its arguments, device temporaries, and writing outputs safely.
#pragma once

#include <functional>
#include <initializer_list>
#include <string>
#include <vector>

#include "backends/backend.h"
#include "backends/lowering/views.h"
#include "backends/primitives.h"

namespace tapml::backends::lowering {

using LoweredFn = std::function<void(Primitives&, const KernelCall&)>;
// Empty when the call is fine; otherwise why it is unsupported.
using CheckFn = std::function<std::string(const KernelCall&)>;

// Registers `run` for each op name (full aten names with overload). Every
// kernel refuses complex tensors and ranks above kMaxRank; float16 and
// bfloat16 run as every dtype does (loaded to the compute type, fp32
// accumulation, rounded once on store: torch's CPU kernels do the same).
// `check` adds the op's own conditions.
void lower(KernelTable& table, std::initializer_list<const char*> ops, LoweredFn run,
           CheckFn check = {});

// --- arguments -------------------------------------------------------------

// A tensor argument or output, with a clear error when it is missing.
const Tensor& output(const KernelCall& call, size_t index = 0);
// An int or int[] argument as a list (a lone int becomes one element); empty
// when absent or None.
std::vector<int64_t> int_list(const KernelCall& call, const std::string& name);
// A Scalar argument (bool, int or float) as double.
double scalar_value(const KernelCall& call, const std::string& name);
bool is_tensor(const KernelCall& call, const std::string& name);
// An optional tensor argument.
std::optional<Tensor> optional_tensor(const KernelCall& call, const std::string& name);

// --- device temporaries ----------------------------------------------------

// A new contiguous tensor on the primitives' device (values undefined).
Tensor empty(Primitives& p, DType dtype, const std::vector<int64_t>& sizes);
// A 0-d tensor holding `value`.
Tensor scalar_tensor(Primitives& p, double value, DType dtype);
// A contiguous copy of `t` (in `dtype` when given).
Tensor contiguous_copy(Primitives& p, const Tensor& t, std::optional<DType> dtype = std::nullopt);
// Dims [begin, end) of `t` merged into one: a view when the strides allow,
// else a contiguous copy.
Tensor merged(Primitives& p, const Tensor& t, int64_t begin, int64_t end);
// `t` as a matrix [prod(sizes[:split]), prod(sizes[split:])], copying if need be.
Tensor as_matrix(Primitives& p, const Tensor& t, int64_t split);
// The same on views only; nullopt when the strides do not allow it.
std::optional<Tensor> matrix_view(const Tensor& t, int64_t split);
// Integer (or bool) tensor values on the host, row-major, and back: index
// arithmetic that depends on data (masks, nonzero) is done on the host.
std::vector<int64_t> download_ints(Primitives& p, const Tensor& t);
Tensor upload_ints(Primitives& p, const std::vector<int64_t>& values,
                   const std::vector<int64_t>& sizes);
// out = src converted to out's dtype (src broadcast to out's sizes).
void copy_into(Primitives& p, const Tensor& src, const Tensor& out);

// The argument `name` as a tensor of `sizes`: a tensor broadcast by strides,
// or a Scalar made a 0-d tensor of a dtype fit for an operation whose other
// operand is `peer` and whose result is `result`.
Tensor operand(Primitives& p, const KernelCall& call, const std::string& name,
               const std::vector<int64_t>& sizes, DType peer, DType result);

// Where a primitive writes an aten output. Primitives never write a buffer
// they read, and some want the output reshaped (merged dims): in either case
// the primitive writes a contiguous temporary and commit() copies it into the
// real output. Otherwise the primitive writes the output directly.
class OutputSlot {
 public:
  OutputSlot(Primitives& p, const Tensor& out, std::initializer_list<const Tensor*> reads = {});
  OutputSlot(Primitives& p, const Tensor& out, const std::vector<Tensor>& reads);
  // The tensor to write, with out's sizes.
  const Tensor& target() const { return target_; }
  // target() permuted by `order` (none when empty), then reshaped by
  // `reshape`; switches to a temporary laid out contiguously in the permuted
  // order when the output's strides do not allow the reshape. Call before
  // writing anything.
  using Reshape = std::function<std::optional<Tensor>(const Tensor&)>;
  Tensor reshaped(const std::vector<int64_t>& order, const Reshape& reshape);
  // Shorthands: dims [begin, end) merged; a matrix split at `split`.
  Tensor merged(int64_t begin, int64_t end, const std::vector<int64_t>& order = {});
  Tensor matrix(int64_t split, const std::vector<int64_t>& order = {});
  // Copies the temporary into the output, if one was used.
  void commit();

 private:
  void stage();

  Primitives& p_;
  Tensor out_;
  Tensor target_;
  bool staged_ = false;
};

}  // namespace tapml::backends::lowering
