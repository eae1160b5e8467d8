// The parts of tapml._tapml, the Python package's native module (one
// function per file that binds it). The module is a thin layer over the
// C++ libraries: it adds no TapML logic of its own, so that Python and the
// command-line tools judge, name and read alike.
#pragma once

#include <pybind11/pybind11.h>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "backends/backend.h"
#include "backends/target.h"
#include "replayer/report.h"

namespace tapml::python {

// Bytes TapML owns, exposed through the buffer protocol (numpy.frombuffer
// and torch.frombuffer share them without a copy): a tensor's values.
struct TensorBytes {
  std::vector<std::byte> bytes;
};

// A target opened for the Python package (tapml.open_target): by address
// as every tool opens one, or a Python provider (python_provider.h).
struct Target {
  std::string address;                       // as given: "vulkan", "./libmine.so:0?tile=64"
  std::unique_ptr<backends::Backend> owned;  // a Python provider's
  backends::OpenedTarget opened;             // destroyed first: its device uses `owned`
};

// One call's outcome as the package's Python side reads it: the call's
// result as the JSON report writes it, or {"seq", "skipped": why} when the
// trace lacks its values (replay_bindings.cpp).
std::string call_outcome_json(int64_t seq, const std::optional<replay::CallResult>& result,
                              const std::string& skipped);

void bind_trace(pybind11::module_& module);   // trace_bindings.cpp
void bind_replay(pybind11::module_& module);  // replay_bindings.cpp
void bind_device(pybind11::module_& module);  // device_bindings.cpp

}  // namespace tapml::python
