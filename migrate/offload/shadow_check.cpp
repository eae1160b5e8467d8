#include "migrate/offload/shadow_check.h"

#include <ATen/ATen.h>

#include <map>

#include "migrate/offload/aten_bridge.h"
#include "store/trace.h"

namespace tapml::offload {

namespace {

// Live tensors stand in for a trace's values: a TensorMeta's hash is the key
// of the tensor in `live`.
using LiveTensors = std::map<std::string, at::Tensor>;

store::TensorMeta live_meta(const at::Tensor& tensor, LiveTensors& live) {
  store::TensorMeta meta;
  meta.sizes = tensor.sizes().vec();
  meta.strides = tensor.strides().vec();
  meta.storage_offset = tensor.storage_offset();
  meta.device = tensor.device().str();
  if (const std::optional<DType> dtype = dtype_of(tensor.scalar_type())) {
    meta.dtype = *dtype;
    meta.hash = "live-" + std::to_string(live.size());
    live[meta.hash] = tensor;
  }
  return meta;
}

bool is_scalar_type(const c10::Argument& argument) {
  c10::TypePtr type = argument.real_type();
  if (auto optional = type->cast<c10::OptionalType>()) type = optional->getElementType();
  return type->kind() == c10::TypeKind::ScalarTypeType;
}

// The argument as a trace Value, as far as the forward bounds read them
// (replayer/bounds/bound_inputs.h): tensors, scalars, lists, names.
store::Value live_value(const c10::IValue& value, const c10::Argument& argument,
                        LiveTensors& live) {
  store::Value out;
  if (value.isNone() || (value.isTensor() && !value.toTensor().defined())) return out;
  if (value.isTensor()) {
    out.kind = store::ValueKind::Tensor;
    out.tensor = live_meta(value.toTensor(), live);
  } else if (value.isInt() && is_scalar_type(argument)) {
    out.kind = store::ValueKind::ScalarType;
    out.text = c10::toString(static_cast<c10::ScalarType>(value.toInt()));
  } else if (value.isBool()) {
    out.kind = store::ValueKind::Bool;
    out.b = value.toBool();
  } else if (value.isInt()) {
    out.kind = store::ValueKind::Int;
    out.i = value.toInt();
  } else if (value.isDouble()) {
    out.kind = store::ValueKind::Float;
    out.f = value.toDouble();
  } else if (value.isString()) {
    out.kind = store::ValueKind::String;
    out.text = value.toStringRef();
  } else if (value.isIntList()) {
    out.kind = store::ValueKind::IntList;
    out.ints = value.toIntVector();
  } else if (value.isDoubleList()) {
    out.kind = store::ValueKind::FloatList;
    out.floats = value.toDoubleVector();
  } else if (value.isBoolList()) {
    out.kind = store::ValueKind::BoolList;
    for (bool b : value.toBoolList()) out.bools.push_back(b);
  } else if (value.isList()) {  // Tensor[] and Tensor?[]
    out.kind = store::ValueKind::TensorList;
    for (const c10::IValue& element : value.toList()) {
      if (element.isTensor() && element.toTensor().defined()) {
        out.tensors.emplace_back(live_meta(element.toTensor(), live));
      } else {
        out.tensors.emplace_back(std::nullopt);
      }
    }
  } else {
    out.kind = store::ValueKind::Other;
  }
  return out;
}

std::vector<double> as_doubles(const at::Tensor& tensor) {
  InternalCalls internal;
  const at::Tensor values = tensor.to(at::kCPU).to(at::kDouble).contiguous();
  const double* data = values.const_data_ptr<double>();
  return std::vector<double>(data, data + values.numel());
}

// A returned tensor's elements, contiguous on the CPU.
at::Tensor host_contiguous(const at::Tensor& tensor) {
  InternalCalls internal;
  return tensor.to(at::kCPU).contiguous();
}

bool worse(const replay::Comparison& a, const replay::Comparison& b) {
  if (a.passed != b.passed) return !a.passed;
  return a.nmse > b.nmse;
}

}  // namespace

void ShadowCheck::run_reference(const c10::OperatorHandle& op, const torch::jit::Stack& stack,
                                size_t first, const std::vector<bool>& written) {
  InternalCalls internal;
  arguments_.assign(stack.begin() + static_cast<std::ptrdiff_t>(first), stack.end());
  torch::jit::Stack call;
  for (size_t i = 0; i < arguments_.size(); ++i) {
    if (written[i] && arguments_[i].isTensor()) {
      // Both copies keep the written argument's layout: one as the call saw
      // it (the bound reads it), one for the reference kernel to write.
      const at::Tensor& tensor = arguments_[i].toTensor();
      at::Tensor seen = at::empty_strided(tensor.sizes(), tensor.strides(), tensor.options());
      seen.copy_(tensor);
      at::Tensor scratch = at::empty_strided(tensor.sizes(), tensor.strides(), tensor.options());
      scratch.copy_(tensor);
      arguments_[i] = seen;
      call.emplace_back(scratch);
    } else {
      call.push_back(arguments_[i]);
    }
  }
  op.callBoxed(&call);
  expected_.clear();
  for (const c10::IValue& value : call) {
    expected_.push_back(value.isTensor() ? value.toTensor() : at::Tensor());
  }
}

replay::Comparison ShadowCheck::judge(const c10::OperatorHandle& op,
                                      const std::vector<at::Tensor>& returns) {
  const c10::FunctionSchema& schema = op.schema();
  LiveTensors live;
  store::Call call;
  call.name = schema.name();
  call.overload = schema.overload_name();
  for (size_t i = 0; i < arguments_.size() && i < schema.arguments().size(); ++i) {
    const c10::Argument& argument = schema.arguments()[i];
    call.inputs.push_back(
        {argument.name(), argument.type()->str(), live_value(arguments_[i], argument, live)});
  }
  for (size_t r = 0; r < expected_.size(); ++r) {
    store::Value value;
    if (expected_[r].defined()) {
      value.kind = store::ValueKind::Tensor;
      value.tensor = live_meta(expected_[r], live);
    }
    call.outputs.push_back(
        {"result" + (r == 0 ? std::string() : std::to_string(r)), "Tensor", std::move(value)});
  }
  const replay::TensorValues values = [&live](const store::TensorMeta& meta) {
    const auto it = live.find(meta.hash);
    return it == live.end() ? std::vector<double>() : as_doubles(it->second);
  };

  replay::Comparison worst;
  for (size_t r = 0; r < expected_.size() && r < returns.size(); ++r) {
    const store::Arg& output = call.outputs[r];
    if (output.value.kind != store::ValueKind::Tensor || !output.value.tensor.captured()) continue;
    const DType dtype = output.value.tensor.dtype;
    const at::Tensor actual = host_contiguous(returns[r]);
    const at::Tensor expected = host_contiguous(expected_[r]);
    if (actual.sizes() != expected.sizes() || actual.scalar_type() != expected.scalar_type()) {
      replay::Comparison mismatch;
      mismatch.passed = false;
      mismatch.failure = "output " + std::to_string(r) + " is " + c10::str(actual.sizes()) + " " +
                         c10::toString(actual.scalar_type()) + ", the reference kernel's " +
                         c10::str(expected.sizes()) + " " + c10::toString(expected.scalar_type());
      return mismatch;
    }
    const replay::Tolerance tolerance = policy_.lookup(call.full_name(), dtype, target_);
    replay::Comparison comparison = replay::compare_output(
        call, r, dtype, static_cast<const std::byte*>(actual.const_data_ptr()),
        static_cast<const std::byte*>(expected.const_data_ptr()), expected.sizes().vec(), tolerance,
        values);
    if (!comparison.passed && expected_.size() > 1) {
      comparison.failure = "output " + std::to_string(r) + ": " + comparison.failure;
    }
    if (worse(comparison, worst)) worst = std::move(comparison);
  }
  arguments_.clear();
  expected_.clear();
  return worst;
}

}  // namespace tapml::offload
