// IValues (the boxed arguments RecordFunction hands over) as trace Values:
// every argument kind of the aten schemas, tensors with their layout and,
// when the call is captured, their values.
#pragma once

#include <ATen/core/ivalue.h>

#include <string>

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

// Appends what makes two calls' inputs identical (tensor hashes and layouts,
// scalars) to `key`: the deduplication key.
void append_identity(const store::Value& value, std::string& key);

// Appends the dtypes and sizes of the tensors in `value` to `key`: the input
// signature that max_calls_per_signature counts.
void append_signature(const c10::IValue& value, std::string& key);

}  // namespace tapml::recorder
