#include "recorder/interposer/value_capture.h"

#include <ATen/core/List.h>
#include <xxhash.h>

#include <cstring>
#include <sstream>

#include "recorder/interposer/aten_vocabulary.h"

namespace tapml::recorder {

namespace {

std::string scalar_type_text(int64_t raw) {
  auto type = static_cast<c10::ScalarType>(raw);
  if (auto dtype = dtype_of(type)) return std::string(dtype_name(*dtype));
  return c10::toString(type);
}

// A short printed form for kinds the trace has no place for. Containers are
// named, not printed: printing a tuple of tensors would print their values.
std::string printed(const c10::IValue& value) {
  if (value.isTuple() || value.isList() || value.isGenericDict() || value.isObject() ||
      value.isTensor()) {
    return value.tagKind();
  }
  std::ostringstream out;
  out << value;
  std::string text = out.str();
  if (text.size() > 200) text = text.substr(0, 200) + "...";
  return text;
}

std::string tensor_text(const at::Tensor& tensor) {
  std::ostringstream out;
  out << "Tensor(" << tensor.scalar_type() << ", " << tensor.layout() << ", " << tensor.device()
      << ", " << tensor.sizes() << ")";
  return out.str();
}

store::Value tensor_value(const at::Tensor& tensor, TensorCapture* values) {
  store::Value value;
  if (!tensor.defined()) return value;  // an undefined Tensor? is None
  auto meta = describe_tensor(tensor);
  if (!meta) {
    value.kind = store::ValueKind::Other;
    value.text = tensor_text(tensor);
    return value;
  }
  if (values != nullptr) values->capture(tensor, *meta);
  value.kind = store::ValueKind::Tensor;
  value.tensor = std::move(*meta);
  return value;
}

std::optional<store::TensorMeta> list_slot(const c10::IValue& element, TensorCapture* values) {
  if (!element.isTensor() || !element.toTensor().defined()) return std::nullopt;
  store::Value value = tensor_value(element.toTensor(), values);
  if (value.kind != store::ValueKind::Tensor) return std::nullopt;
  return std::move(value.tensor);
}

// Lists of the generic kind: Tensor?[], SymInt[] and friends.
store::Value generic_list_value(const c10::IValue& list_value, TensorCapture* values) {
  store::Value value;
  auto list = list_value.toListRef();
  bool all_tensors = true;
  bool all_ints = true;
  for (const c10::IValue& element : list) {
    all_tensors = all_tensors && (element.isTensor() || element.isNone());
    all_ints = all_ints && (element.isInt() ||
                            (element.isSymInt() && element.toSymInt().maybe_as_int().has_value()));
  }
  if (all_ints && !list.empty()) {
    value.kind = store::ValueKind::IntList;
    for (const c10::IValue& element : list) {
      value.ints.push_back(element.isInt() ? element.toInt() : *element.toSymInt().maybe_as_int());
    }
  } else if (all_tensors) {
    value.kind = store::ValueKind::TensorList;
    for (const c10::IValue& element : list) value.tensors.push_back(list_slot(element, values));
  } else {
    value.kind = store::ValueKind::Other;
    value.text = printed(list_value);
  }
  return value;
}

}  // namespace

store::Value to_value(const c10::IValue& iv, const ArgInfo& arg, TensorCapture* values) {
  using store::ValueKind;
  store::Value value;
  if (iv.isNone()) return value;
  if (iv.isTensor()) return tensor_value(iv.toTensor(), values);
  if (iv.isBool()) {
    value.kind = ValueKind::Bool;
    value.b = iv.toBool();
  } else if (iv.isInt()) {
    const int64_t raw = iv.toInt();
    switch (arg.int_meaning) {
      case IntMeaning::kInt:
        value.kind = ValueKind::Int;
        value.i = raw;
        break;
      case IntMeaning::kScalarType:
        value.kind = ValueKind::ScalarType;
        value.text = scalar_type_text(raw);
        break;
      case IntMeaning::kLayout:
        value.kind = ValueKind::Layout;
        value.text = layout_text(raw);
        break;
      case IntMeaning::kMemoryFormat:
        value.kind = ValueKind::MemoryFormat;
        value.text = memory_format_text(raw);
        break;
    }
  } else if (iv.isDouble()) {
    value.kind = ValueKind::Float;
    value.f = iv.toDouble();
  } else if (iv.isComplexDouble()) {
    value.kind = ValueKind::Complex;
    auto c = iv.toComplexDouble();
    value.f = c.real();
    value.f_imag = c.imag();
  } else if (iv.isSymInt() && iv.toSymInt().maybe_as_int()) {
    value.kind = ValueKind::Int;
    value.i = *iv.toSymInt().maybe_as_int();
  } else if (iv.isString()) {
    value.kind = ValueKind::String;
    value.text = iv.toStringRef();
  } else if (iv.isIntList()) {
    value.kind = ValueKind::IntList;
    value.ints = iv.toIntVector();
  } else if (iv.isDoubleList()) {
    value.kind = ValueKind::FloatList;
    value.floats = iv.toDoubleVector();
  } else if (iv.isBoolList()) {
    value.kind = ValueKind::BoolList;
    for (bool b : iv.toBoolList()) value.bools.push_back(b);
  } else if (iv.isTensorList()) {
    value.kind = ValueKind::TensorList;
    for (const at::Tensor& t : iv.toTensorList()) {
      value.tensors.push_back(list_slot(c10::IValue(t), values));
    }
  } else if (iv.isList()) {
    return generic_list_value(iv, values);
  } else if (iv.isDevice()) {
    value.kind = ValueKind::Device;
    value.text = iv.toDevice().str();
  } else if (iv.isGenerator()) {
    value.kind = ValueKind::Generator;
    value.text = iv.toGenerator().device().str();
  } else {
    value.kind = ValueKind::Other;
    value.text = printed(iv);
  }
  return value;
}

namespace {

void append_tensor_identity(const store::TensorMeta& meta, std::string& key) {
  key += meta.hash.empty() ? std::string("?") : meta.hash;
  key += dtype_name(meta.dtype);
  for (int64_t s : meta.sizes) key += "," + std::to_string(s);
  key += '/';
  for (int64_t s : meta.strides) key += "," + std::to_string(s);
  key += '+' + std::to_string(meta.storage_offset) + '@' + meta.device;
}

void append_identity(const store::Value& value, std::string& key) {
  key += static_cast<char>('A' + static_cast<int>(value.kind));
  switch (value.kind) {
    case store::ValueKind::Tensor:
      append_tensor_identity(value.tensor, key);
      break;
    case store::ValueKind::TensorList:
      for (const auto& slot : value.tensors) {
        if (slot) {
          append_tensor_identity(*slot, key);
        } else {
          key += "None";
        }
        key += ';';
      }
      break;
    case store::ValueKind::Bool:
      key += value.b ? '1' : '0';
      break;
    case store::ValueKind::Int:
      key += std::to_string(value.i);
      break;
    case store::ValueKind::Float:
    case store::ValueKind::Complex: {
      // Bit patterns: -0.0 and NaN payloads count as different inputs.
      char bits[2 * sizeof(double)];
      std::memcpy(bits, &value.f, sizeof(double));
      std::memcpy(bits + sizeof(double), &value.f_imag, sizeof(double));
      key.append(bits, sizeof(bits));
      break;
    }
    case store::ValueKind::IntList:
      for (int64_t i : value.ints) key += std::to_string(i) + ',';
      break;
    case store::ValueKind::FloatList:
      key.append(reinterpret_cast<const char*>(value.floats.data()),
                 value.floats.size() * sizeof(double));
      break;
    case store::ValueKind::BoolList:
      for (bool b : value.bools) key += b ? '1' : '0';
      break;
    default:
      key += value.text;
      break;
  }
  key += '|';
}

}  // namespace

InputIdentity input_identity(const std::string& op_full_name,
                             const std::vector<store::Arg>& inputs) {
  thread_local std::string key;  // reused: no allocation once grown
  key.assign(op_full_name);
  key += '|';
  for (const store::Arg& arg : inputs) append_identity(arg.value, key);
  const XXH128_hash_t h = XXH3_128bits(key.data(), key.size());
  return {h.high64, h.low64};
}

bool values_readable(c10::ArrayRef<c10::IValue> inputs) {
  auto readable = [](const at::Tensor& t) {
    return !t.defined() || (t.has_storage() && !t.is_meta());
  };
  for (const c10::IValue& input : inputs) {
    if (input.isTensor()) {
      if (!readable(input.toTensor())) return false;
    } else if (input.isTensorList()) {
      for (const at::Tensor& t : input.toTensorList()) {
        if (!readable(t)) return false;
      }
    } else if (input.isList()) {
      for (const c10::IValue& element : input.toListRef()) {
        if (element.isTensor() && !readable(element.toTensor())) return false;
      }
    }
  }
  return true;
}

void append_signature(const c10::IValue& value, std::string& key) {
  auto append_tensor = [&key](const at::Tensor& t) {
    if (!t.defined()) {
      key += "_;";
      return;
    }
    key += c10::toString(t.scalar_type());
    for (int64_t s : t.sizes()) key += "," + std::to_string(s);
    key += ';';
  };
  if (value.isTensor()) {
    append_tensor(value.toTensor());
  } else if (value.isTensorList()) {
    for (const at::Tensor& t : value.toTensorList()) append_tensor(t);
  } else if (value.isList()) {
    for (const c10::IValue& element : value.toListRef()) {
      if (element.isTensor()) append_tensor(element.toTensor());
    }
  }
}

}  // namespace tapml::recorder
