// The trace model: TapML's shared vocabulary. A trace is the metadata of one
// recorded run plus its operator calls, in execution order; tensor values are
// kept apart, content-addressed by hash, so a weight used by a thousand calls
// is stored once. The recorder fills these structs, the HDF5 layer stores
// them (docs/trace-format.md), the replayer and the test generator read them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "store/dtype.h"

namespace tapml::store {

// The newest trace format this build reads and writes. Version 2 added
// permuted views (docs/trace-format.md), version 3 names them by their base
// and dims (view_hash); a trace without one is written as version 1, so
// older readers still open it.
inline constexpr int kFormatVersion = 3;
inline constexpr int kFormatVersionWithoutViews = 1;

// Every failure the store reports to a user: the message names the file and
// what is wrong with it, so a CLI prints it as one line and exits 2.
class TraceError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

using tapml::DType;
using tapml::dtype_from_name;
using tapml::dtype_name;
using tapml::dtype_size;

// A tensor as one call saw it: its layout (sizes, strides, offset into its
// storage) and, when its values were captured, the hash of those values.
// Values are always stored contiguous in row-major order of `sizes`; the
// layout is kept so a replayer can rebuild the exact strided view.
struct TensorMeta {
  std::string hash;  // 32 hex digits (XXH3-128 of dtype, sizes and bytes); empty: not captured
  DType dtype = DType::Float32;
  std::vector<int64_t> sizes;
  std::vector<int64_t> strides;
  int64_t storage_offset = 0;
  std::string device = "cpu";

  int64_t numel() const;
  size_t nbytes() const { return static_cast<size_t>(numel()) * dtype_size(dtype); }
  bool captured() const { return !hash.empty(); }
};

// The argument kinds of aten schemas. Scalars keep whether they were int,
// float or bool; lists keep their element kind; Optional[T] is T or None.
enum class ValueKind : uint8_t {
  None,
  Bool,
  Int,
  Float,
  Complex,
  String,
  Tensor,
  IntList,
  FloatList,
  BoolList,
  TensorList,    // also List[Optional[Tensor]]: a missing element is a TensorMeta-less slot
  ScalarType,    // dtype, by torch name in `text`
  Device,        // e.g. "cpu", "cuda:0" in `text`
  Layout,        // e.g. "strided" in `text`
  MemoryFormat,  // e.g. "contiguous_format" in `text`
  Generator,
  Other,  // anything else the interposer met: its printed form in `text`
};

std::string_view value_kind_name(ValueKind kind);
std::optional<ValueKind> value_kind_from_name(std::string_view name);

struct Value {
  ValueKind kind = ValueKind::None;
  bool b = false;
  int64_t i = 0;
  double f = 0;  // Float; real part of Complex
  double f_imag = 0;
  std::string text;  // String, ScalarType, Device, Layout, MemoryFormat, Other
  TensorMeta tensor;
  std::vector<int64_t> ints;                       // IntList
  std::vector<double> floats;                      // FloatList
  std::vector<bool> bools;                         // BoolList
  std::vector<std::optional<TensorMeta>> tensors;  // TensorList
};

// One argument or return, in schema order, named as the schema names it.
struct Arg {
  std::string name;  // "self", "dim"; returns are "result", "result1"... when unnamed
  std::string type;  // schema type text, e.g. "Tensor", "int[1]?", "ScalarType?"
  Value value;
};

enum CallFlags : uint32_t {
  kCallCaptured = 1u << 0,    // tensor values of this call are stored
  kCallViewOrMeta = 1u << 1,  // pure view or metadata op (kept in the tree, values skipped)
  kCallDuplicate = 1u << 2,   // inputs identical to an earlier call: values shared, not re-run
  kCallOverBudget = 1u << 3,  // skipped by the per-signature limit or the byte budget
};

struct Call {
  int64_t seq = 0;       // execution order, from 0
  std::string name;      // "aten::softmax"
  std::string overload;  // "int"; empty for the default overload
  std::string schema;    // full schema string
  int64_t parent = -1;   // seq of the enclosing call, -1 at top level
  int32_t depth = 0;
  uint64_t thread = 0;
  std::string scope;  // module path, e.g. "model.layers.3.mlp"; empty when unknown
  int64_t start_ns = 0;
  int64_t end_ns = 0;
  uint32_t flags = 0;
  std::vector<Arg> inputs;   // as captured at entry
  std::vector<Arg> outputs;  // as captured at exit

  std::string full_name() const { return overload.empty() ? name : name + "." + overload; }
  bool captured() const { return (flags & kCallCaptured) != 0; }
};

struct TraceMeta {
  int format_version = kFormatVersion;
  std::string tool_version;
  std::string runtime;  // "pytorch"
  std::string runtime_version;
  std::string device;  // "cpu", "cuda (NVIDIA H100 80GB HBM3)"
  std::string model;
  std::string config;   // the run's config file text
  std::string command;  // the recorded program and its arguments
  std::string host;
  std::string start_time;  // ISO 8601, UTC
  std::map<std::string, std::string> extra;
};

// Files are checked against absurd shapes: more elements than this is damage.
inline constexpr int64_t kMaxElements = 1'000'000'000'000;
// The number of elements of `sizes`, or nullopt if a size is negative or the
// product exceeds kMaxElements (so it cannot overflow either).
std::optional<int64_t> checked_numel(const std::vector<int64_t>& sizes);

// Hash of a tensor's contiguous values: XXH3-128 over dtype, rank, sizes and
// bytes, as 32 lowercase hex digits. Equal values of different shape or dtype
// hash differently.
std::string tensor_hash(DType dtype, const std::vector<int64_t>& sizes, const void* data,
                        size_t nbytes);

// The name of a permuted view (docs/trace-format.md, format 3): XXH3-128
// over its base's hash and dims, so naming one reads none of its values.
// Traces of format 2 named views by tensor_hash of their own values; readers
// accept either.
std::string view_hash(const std::string& base_hash, const std::vector<int64_t>& dims);

}  // namespace tapml::store
