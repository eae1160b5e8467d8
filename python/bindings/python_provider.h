// A Python object as a provider: tapml.replay(trace, target={"aten::mm":
// my_mm, ...}) runs the user's Python kernels through the same provider
// interface (include/tapml/provider.h) a C library implements, so TapML's
// layouts, poisoning and tolerance policy apply to them unchanged. The
// table's functions call the adapter the tapml package builds
// (tapml/provider.py): its name, its ops, why_unsupported(op, inputs) and
// run(op, inputs, outputs), with tensors as DLPack views of TapML's host
// buffers (valid for the call only, as in the C ABI).
#pragma once

#include <pybind11/pybind11.h>

#include <memory>

#include "backends/backend.h"

namespace tapml::python {

// A backend over `adapter`, holding one of a fixed number of provider slots
// (C function tables cannot carry a closure) until it is destroyed. Throws
// TargetError when every slot is taken.
std::unique_ptr<backends::Backend> python_provider_backend(pybind11::object adapter);

void bind_python_provider(pybind11::module_& module);  // the DLPack view class

}  // namespace tapml::python
