// Between live aten values and the backends' KernelCall: dtypes, boxed
// arguments (IValues) as kernel Values, and tensors moved to a device and
// back. A device tensor keeps the layout the program's tensor has (sizes,
// strides) over the storage region it spans, so kernels see the strides the
// reference kernel saw.
#pragma once

#include <ATen/ATen.h>
#include <ATen/core/function_schema.h>
#include <ATen/core/ivalue.h>
#include <ATen/record_function.h>
#include <c10/core/impl/LocalDispatchKeySet.h>

#include <optional>
#include <string>

#include "backends/backend.h"

namespace tapml::offload {

std::optional<DType> dtype_of(c10::ScalarType type);

// Elements a tensor's view spans in its storage, from its first element:
// 1 + sum((size - 1) * stride), 0 when it has no elements.
int64_t span_elements(c10::IntArrayRef sizes, c10::IntArrayRef strides);

// Torch calls the offload mode makes itself (output shapes on the Meta
// device, output allocation, copies to and from a CUDA program's tensors)
// neither come back to the mode nor appear in the recorded trace.
struct InternalCalls {
  c10::impl::ExcludeDispatchKeyGuard no_mode{c10::DispatchKey::TESTING_ONLY_GenericMode};
  at::DisableRecordFunctionGuard no_record;
};

// A device tensor with `tensor`'s dtype, sizes and strides, and no buffer yet.
backends::Tensor describe(const at::Tensor& tensor);

// Allocates `described`'s buffer on `device` and, unless `values` is null,
// copies the spanned storage region of `values` into it. `values` may live
// on the CPU or on CUDA (a CUDA program's ops run on the target as well: its
// tensors pass through the host).
void upload(backends::Device& device, backends::Tensor& described, const at::Tensor* values);

// Copies the device tensor's region into `tensor`'s storage (same layout).
void download(backends::Device& device, const backends::Tensor& from, const at::Tensor& tensor);

// One boxed argument as a kernel Value. Tensors come back described (no
// buffer); `why_not` is set when the argument has a kind no kernel takes.
backends::Value to_value(const c10::IValue& value, const c10::Argument& argument,
                         std::string* why_not);

}  // namespace tapml::offload
