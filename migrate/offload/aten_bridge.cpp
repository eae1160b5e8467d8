#include "migrate/offload/aten_bridge.h"

#include <vector>

#include "recorder/interposer/aten_vocabulary.h"

namespace tapml::offload {

namespace {

// The schema type without Optional: what an int in the IValue means.
c10::TypeKind kind_of(const c10::Argument& argument) {
  c10::TypePtr type = argument.real_type();
  if (auto optional = type->cast<c10::OptionalType>()) type = optional->getElementType();
  return type->kind();
}

std::optional<backends::Tensor> tensor_value(const at::Tensor& tensor, std::string* why_not) {
  if (!tensor.defined()) return std::nullopt;
  if ((!tensor.is_cpu() && !tensor.is_cuda()) || tensor.layout() != c10::kStrided) {
    *why_not = "a tensor on " + tensor.device().str() + " or not strided";
    return std::nullopt;
  }
  if (!dtype_of(tensor.scalar_type())) {
    *why_not = std::string("dtype ") + c10::toString(tensor.scalar_type());
    return std::nullopt;
  }
  return describe(tensor);
}

backends::Value list_value(const c10::IValue& value, std::string* why_not) {
  const c10::List<c10::IValue> list = value.toList();
  if (list.empty()) return std::vector<int64_t>{};
  const c10::IValue& first = list.get(0);
  if (first.isInt() || first.isSymInt()) {
    std::vector<int64_t> ints;
    for (const c10::IValue& element : list) {
      if (element.isInt()) {
        ints.push_back(element.toInt());
      } else if (element.isSymInt() && element.toSymInt().maybe_as_int()) {
        ints.push_back(*element.toSymInt().maybe_as_int());
      } else {
        *why_not = "a symbolic int list";
        return std::monostate{};
      }
    }
    return ints;
  }
  if (first.isDouble()) {
    std::vector<double> floats;
    for (const c10::IValue& element : list) floats.push_back(element.toDouble());
    return floats;
  }
  if (first.isBool()) {
    std::vector<bool> bools;
    for (const c10::IValue& element : list) bools.push_back(element.toBool());
    return bools;
  }
  std::vector<std::optional<backends::Tensor>> tensors;
  for (const c10::IValue& element : list) {
    if (element.isNone()) {
      tensors.emplace_back(std::nullopt);
    } else if (element.isTensor()) {
      tensors.push_back(tensor_value(element.toTensor(), why_not));
      if (!why_not->empty()) return std::monostate{};
    } else {
      *why_not = std::string("a list of ") + element.tagKind();
      return std::monostate{};
    }
  }
  return tensors;
}

}  // namespace

// The trace's dtypes less complex ones, which no backend holds.
std::optional<DType> dtype_of(c10::ScalarType type) {
  const std::optional<DType> dtype = recorder::dtype_of(type);
  if (dtype == DType::Complex64 || dtype == DType::Complex128) return std::nullopt;
  return dtype;
}

int64_t span_elements(c10::IntArrayRef sizes, c10::IntArrayRef strides) {
  int64_t span = 1;
  for (size_t d = 0; d < sizes.size(); ++d) {
    if (sizes[d] == 0) return 0;
    span += (sizes[d] - 1) * strides[d];
  }
  return span;
}

backends::Tensor describe(const at::Tensor& tensor) {
  backends::Tensor t;
  t.dtype = *dtype_of(tensor.scalar_type());
  t.sizes = tensor.sizes().vec();
  t.strides = tensor.strides().vec();
  t.offset = 0;
  return t;
}

namespace {

// The storage region a view spans, as a flat tensor on the view's device.
at::Tensor spanned_region(const at::Tensor& tensor) {
  return tensor.as_strided({span_elements(tensor.sizes(), tensor.strides())}, {1});
}

}  // namespace

void upload(backends::Device& device, backends::Tensor& described, const at::Tensor* values) {
  const size_t element = dtype_size(described.dtype);
  const auto bytes =
      static_cast<size_t>(span_elements(described.sizes, described.strides)) * element;
  described.buffer = device.alloc(bytes == 0 ? element : bytes);
  if (values == nullptr || bytes == 0) return;
  if (values->is_cpu()) {
    device.upload(*described.buffer, values->data_ptr(), bytes);
    return;
  }
  InternalCalls internal;
  const at::Tensor host = spanned_region(*values).to(c10::kCPU);
  device.upload(*described.buffer, host.const_data_ptr(), bytes);
}

void download(backends::Device& device, const backends::Tensor& from, const at::Tensor& tensor) {
  const auto bytes =
      static_cast<size_t>(span_elements(from.sizes, from.strides)) * dtype_size(from.dtype);
  if (bytes == 0) return;
  if (tensor.is_cpu()) {
    device.download(*from.buffer, tensor.data_ptr(), bytes);
    return;
  }
  InternalCalls internal;
  at::Tensor region = spanned_region(tensor);
  const at::Tensor host = at::empty(region.sizes(), region.options().device(c10::kCPU));
  device.download(*from.buffer, host.data_ptr(), bytes);
  region.copy_(host);
}

backends::Value to_value(const c10::IValue& value, const c10::Argument& argument,
                         std::string* why_not) {
  if (value.isNone()) return std::monostate{};
  if (value.isTensor()) {
    std::optional<backends::Tensor> t = tensor_value(value.toTensor(), why_not);
    if (!t) return std::monostate{};
    return *t;
  }
  if (value.isBool()) return value.toBool();
  if (value.isInt()) {
    const int64_t raw = value.toInt();
    switch (kind_of(argument)) {
      case c10::TypeKind::ScalarTypeType:
        if (auto dtype = dtype_of(static_cast<c10::ScalarType>(raw))) return *dtype;
        *why_not = "dtype argument " + argument.name();
        return std::monostate{};
      case c10::TypeKind::LayoutType:
        return recorder::layout_text(raw);
      case c10::TypeKind::MemoryFormatType:
        return recorder::memory_format_text(raw);
      default:
        return raw;
    }
  }
  if (value.isSymInt() && value.toSymInt().maybe_as_int()) {
    return *value.toSymInt().maybe_as_int();
  }
  if (value.isDouble()) return value.toDouble();
  if (value.isString()) return std::string(value.toStringRef());
  if (value.isDevice()) return value.toDevice().str();
  if (value.isGenerator()) return std::monostate{};
  if (value.isList()) return list_value(value, why_not);
  *why_not = std::string("argument ") + argument.name() + " of kind " + value.tagKind();
  return std::monostate{};
}

}  // namespace tapml::offload
