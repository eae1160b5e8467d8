#include "backends/lowering/kernel_support.h"

#include <cstring>
#include <limits>

#include "backends/lowering/split_views.h"

namespace tapml::backends::lowering {
namespace {

// The checks every kernel makes: dtypes the primitives take, ranks they index.
std::string why_tensor_unsupported(const Tensor& t) {
  switch (t.dtype) {
    case DType::Complex64:
    case DType::Complex128:
      return "dtype " + std::string(dtype_name(t.dtype));
    default:
      break;
  }
  if (t.rank() > kMaxRank) {
    return "rank " + std::to_string(t.rank()) + " > " + std::to_string(kMaxRank);
  }
  return {};
}

std::string why_call_unsupported(const KernelCall& call) {
  for (const NamedValue& input : call.inputs) {
    if (const Tensor* t = std::get_if<Tensor>(&input.value)) {
      if (std::string why = why_tensor_unsupported(*t); !why.empty())
        return input.name + ": " + why;
    } else if (const auto* list = std::get_if<std::vector<std::optional<Tensor>>>(&input.value)) {
      for (const auto& entry : *list) {
        if (!entry) continue;
        if (std::string why = why_tensor_unsupported(*entry); !why.empty())
          return input.name + ": " + why;
      }
    } else if (const DType* dtype = std::get_if<DType>(&input.value)) {
      if (std::string why = why_tensor_unsupported(Tensor{nullptr, *dtype, {}, {}, 0});
          !why.empty()) {
        return input.name + ": " + why;
      }
    }
  }
  for (const Tensor& out : call.outputs) {
    if (std::string why = why_tensor_unsupported(out); !why.empty()) return "output: " + why;
  }
  return {};
}

bool shares_buffer(const Tensor& out, const Tensor& read) {
  return out.buffer && out.buffer == read.buffer;
}

}  // namespace

void lower(KernelTable& table, std::initializer_list<const char*> ops, LoweredFn run,
           CheckFn check) {
  for (const char* op : ops) {
    Kernel kernel;
    kernel.op = op;
    kernel.why_unsupported = [check](const KernelCall& call) {
      std::string why = why_call_unsupported(call);
      if (why.empty() && check) why = check(call);
      return why;
    };
    kernel.run = [run](Device& device, const KernelCall& call) {
      // Views larger than the device binds at once are cut into pieces.
      const ViewLimits limits = view_limits(device);
      if (!limits.any()) return run(device.primitives(), call);
      SplitViews split(device.primitives(), limits);
      run(split, call);
    };
    table.add(std::move(kernel));
  }
}

const Tensor& output(const KernelCall& call, size_t index) {
  if (index >= call.outputs.size()) {
    throw BackendError(call.op + ": missing output " + std::to_string(index));
  }
  return call.outputs[index];
}

std::vector<int64_t> int_list(const KernelCall& call, const std::string& name) {
  const Value* value = call.find(name);
  if (!value || std::holds_alternative<std::monostate>(*value)) return {};
  if (const auto* list = std::get_if<std::vector<int64_t>>(value)) return *list;
  if (const auto* one = std::get_if<int64_t>(value)) return {*one};
  throw BackendError(call.op + ": argument '" + name + "' is not an int list");
}

double scalar_value(const KernelCall& call, const std::string& name) {
  const Value& value = call.at(name);
  if (const Tensor* t = std::get_if<Tensor>(&value)) {
    (void)t;
    throw BackendError(call.op + ": argument '" + name + "' is a tensor, not a Scalar");
  }
  return call.float_or(name, 0);
}

bool is_tensor(const KernelCall& call, const std::string& name) {
  const Value* value = call.find(name);
  return value && std::holds_alternative<Tensor>(*value);
}

std::optional<Tensor> optional_tensor(const KernelCall& call, const std::string& name) {
  if (call.is_none(name)) return std::nullopt;
  return call.tensor(name);
}

Tensor empty(Primitives& p, DType dtype, const std::vector<int64_t>& sizes) {
  Tensor t;
  t.dtype = dtype;
  t.sizes = sizes;
  t.strides = contiguous_strides(sizes);
  const auto bytes = static_cast<size_t>(t.numel()) * dtype_size(dtype);
  t.buffer = p.device().alloc(bytes > 0 ? bytes : dtype_size(dtype));
  return t;
}

Tensor scalar_tensor(Primitives& p, double value, DType dtype) {
  Tensor t = empty(p, dtype, {});
  unsigned char bytes[8] = {};
  auto put = [&](auto v) { std::memcpy(bytes, &v, sizeof v); };
  switch (dtype) {
    case DType::Float32:
      put(static_cast<float>(value));
      break;
    case DType::Float64:
      put(value);
      break;
    case DType::Int64:
      put(static_cast<int64_t>(value));
      break;
    case DType::Int32:
      put(static_cast<int32_t>(value));
      break;
    case DType::Int16:
      put(static_cast<int16_t>(value));
      break;
    case DType::Int8:
      put(static_cast<int8_t>(value));
      break;
    case DType::UInt8:
      put(static_cast<uint8_t>(value));
      break;
    case DType::Bool:
      put(static_cast<uint8_t>(value != 0));
      break;
    default:
      throw BackendError("no scalar tensor of dtype " + std::string(dtype_name(dtype)));
  }
  p.device().upload(*t.buffer, bytes, dtype_size(dtype));
  return t;
}

Tensor contiguous_copy(Primitives& p, const Tensor& t, std::optional<DType> dtype) {
  Tensor copy = empty(p, dtype.value_or(t.dtype), t.sizes);
  p.unary(UnaryOp::Copy, t, copy, {});
  return copy;
}

Tensor merged(Primitives& p, const Tensor& t, int64_t begin, int64_t end) {
  if (auto view = merge_dims(t, begin, end)) return *view;
  return *merge_dims(contiguous_copy(p, t), begin, end);
}

std::optional<Tensor> matrix_view(const Tensor& t, int64_t split) {
  auto columns = merge_dims(t, split, t.rank());
  if (!columns) return std::nullopt;
  return merge_dims(*columns, 0, split);
}

Tensor as_matrix(Primitives& p, const Tensor& t, int64_t split) {
  if (auto view = matrix_view(t, split)) return *view;
  return *matrix_view(contiguous_copy(p, t), split);
}

std::vector<int64_t> download_ints(Primitives& p, const Tensor& t) {
  const Tensor values = contiguous_copy(p, t, DType::Int64);
  std::vector<int64_t> host(static_cast<size_t>(values.numel()));
  p.device().finish();
  p.device().download(*values.buffer, host.data(), host.size() * sizeof(int64_t));
  return host;
}

Tensor upload_ints(Primitives& p, const std::vector<int64_t>& values,
                   const std::vector<int64_t>& sizes) {
  Tensor t = empty(p, DType::Int64, sizes);
  if (static_cast<size_t>(t.numel()) != values.size()) throw BackendError("upload_ints: sizes");
  p.device().upload(*t.buffer, values.data(), values.size() * sizeof(int64_t));
  return t;
}

void copy_into(Primitives& p, const Tensor& src, const Tensor& out) {
  const Tensor from = broadcast_to(src, out.sizes);
  OutputSlot slot(p, out, {&from});
  p.unary(UnaryOp::Copy, from, slot.target(), {});
  slot.commit();
}

Tensor operand(Primitives& p, const KernelCall& call, const std::string& name,
               const std::vector<int64_t>& sizes, DType peer, DType result) {
  const Value& value = call.at(name);
  if (const Tensor* t = std::get_if<Tensor>(&value)) return broadcast_to(*t, sizes);
  // A Scalar takes the floating type of the operation, as torch's wrapped
  // numbers do; an integral or bool Scalar with integral operands stays int64.
  const bool floating =
      std::holds_alternative<double>(value) || dtype_is_floating(peer) || dtype_is_floating(result);
  const bool wide = peer == DType::Float64 || result == DType::Float64;
  const DType dtype = floating ? (wide ? DType::Float64 : DType::Float32) : DType::Int64;
  return broadcast_to(scalar_tensor(p, scalar_value(call, name), dtype), sizes);
}

OutputSlot::OutputSlot(Primitives& p, const Tensor& out, std::initializer_list<const Tensor*> reads)
    : p_(p), out_(out), target_(out) {
  for (const Tensor* read : reads) {
    if (read && shares_buffer(out, *read)) staged_ = true;
  }
  if (staged_) stage();
}

OutputSlot::OutputSlot(Primitives& p, const Tensor& out, const std::vector<Tensor>& reads)
    : p_(p), out_(out), target_(out) {
  for (const Tensor& read : reads) {
    if (shares_buffer(out, read)) staged_ = true;
  }
  if (staged_) stage();
}

void OutputSlot::stage() {
  target_ = empty(p_, out_.dtype, out_.sizes);
  staged_ = true;
}

Tensor OutputSlot::reshaped(const std::vector<int64_t>& order, const Reshape& reshape) {
  const Tensor view = order.empty() ? target_ : permute(target_, order);
  if (auto result = reshape(view)) return *result;
  const Tensor temp = empty(p_, out_.dtype, view.sizes);
  if (order.empty()) {
    target_ = temp;
  } else {
    std::vector<int64_t> inverse(order.size());
    for (size_t i = 0; i < order.size(); ++i) inverse[order[i]] = static_cast<int64_t>(i);
    target_ = permute(temp, inverse);
  }
  staged_ = true;
  return *reshape(temp);
}

Tensor OutputSlot::merged(int64_t begin, int64_t end, const std::vector<int64_t>& order) {
  return reshaped(order, [&](const Tensor& t) { return merge_dims(t, begin, end); });
}

Tensor OutputSlot::matrix(int64_t split, const std::vector<int64_t>& order) {
  return reshaped(order, [&](const Tensor& t) { return matrix_view(t, split); });
}

void OutputSlot::commit() {
  if (staged_) p_.unary(UnaryOp::Copy, target_, out_, {});
}

}  // namespace tapml::backends::lowering
