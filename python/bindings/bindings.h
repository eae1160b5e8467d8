// The parts of tapml._tapml, the Python package's native module (one
// function per file that binds it). The module is a thin layer over the
// C++ libraries: it adds no TapML logic of its own, so that Python and the
// command-line tools judge, name and read alike.
#pragma once

#include <pybind11/pybind11.h>

namespace tapml::python {

void bind_trace(pybind11::module_& module);   // trace_bindings.cpp
void bind_replay(pybind11::module_& module);  // replay_bindings.cpp

}  // namespace tapml::python
