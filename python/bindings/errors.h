// TapML's Python exception classes and how C++ failures become them. One
// base class, tapml.TapmlError, so a user catches everything TapML says
// with one clause; the subclasses follow the exit-code policy
// (common/exit_code.h): TraceError, TargetError and UsageError are bad
// input (exit 2 for a tool), DeviceLost and TapmlFailure are TapML or its
// infrastructure failing (exit 3). Every message is the one line the
// command-line tools print.
#pragma once

#include <pybind11/pybind11.h>

namespace tapml::python {

// Creates the classes in `module` and registers the translation of the
// C++ exceptions the libraries throw.
void register_errors(pybind11::module_& module);

// Raises tapml.<kind> with `message` (kind: "TraceError", "TargetError",
// "UsageError", "Unsupported", "KernelError", "TapmlFailure").
[[noreturn]] void raise(const char* kind, const std::string& message);

}  // namespace tapml::python
