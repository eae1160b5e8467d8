// IValues (the boxed arguments RecordFunction hands over) as trace Values:
// every argument kind of the aten schemas, tensors with their layout and,
// when the call is captured, their values.
#pragma once

#include <ATen/core/ivalue.h>

#include <cstdint>
#include <string>
#include <vector>

#include "recorder/interposer/op_info.h"
#include "recorder/interposer/tensor_capture.h"
#include "store/trace.h"

namespace tapml::recorder {

// `values`: where tensor values go; nullptr records layouts only.
store::Value to_value(const c10::IValue& value, const ArgInfo& arg, TensorCapture* values);

// False if a tensor among `inputs` has no values to read: a meta tensor (the
// shape-only tensors models are built on before their weights load), a fake
// or storage-less tensor. Such a call stays in the op tree, uncaptured.
bool values_readable(c10::ArrayRef<c10::IValue> inputs);

// What makes two calls' inputs identical, for deduplication: a 128-bit hash
// of the op's full name and every input (tensors by their values' hash and
// layout, scalars by value), so that the recorder keeps 16 bytes per captured
// call, not the inputs' text.
struct InputIdentity {
  uint64_t high = 0, low = 0;
  bool operator==(const InputIdentity&) const = default;
};
struct InputIdentityHash {
  size_t operator()(const InputIdentity& id) const { return id.low; }
};
InputIdentity input_identity(const std::string& op_full_name,
                             const std::vector<store::Arg>& inputs);

// Appends the dtypes and sizes of the tensors in `value` to `key`: the input
// signature that max_calls_per_signature counts.
void append_signature(const c10::IValue& value, std::string& key);

}  // namespace tapml::recorder
