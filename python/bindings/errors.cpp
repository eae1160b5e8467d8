#include "errors.h"

#include <map>
#include <string>

#include "backends/backend.h"
#include "backends/target.h"
#include "replayer/tolerance.h"
#include "store/op_pattern.h"
#include "store/trace.h"

namespace py = pybind11;

namespace tapml::python {
namespace {

std::map<std::string, py::object>& classes() {
  static auto* map = new std::map<std::string, py::object>();  // lives as long as the module
  return *map;
}

py::object make_class(py::module_& module, const char* name, py::handle base, const char* doc) {
  py::object type = py::reinterpret_steal<py::object>(
      PyErr_NewExceptionWithDoc((std::string("tapml.") + name).c_str(), doc, base.ptr(), nullptr));
  if (!type) throw py::error_already_set();
  module.attr(name) = type;
  classes()[name] = type;
  return type;
}

}  // namespace

void raise(const char* kind, const std::string& message) {
  PyErr_SetString(classes().at(kind).ptr(), message.c_str());
  throw py::error_already_set();
}

void register_errors(py::module_& module) {
  const py::object base =
      make_class(module, "TapmlError", PyExc_Exception, "Everything TapML raises.");
  const py::tuple bad_input = py::make_tuple(base, py::handle(PyExc_ValueError));
  make_class(module, "TraceError", bad_input,
             "A trace that is missing, damaged or not a TapML trace (the message names the "
             "file and the defect).");
  make_class(module, "TargetError", bad_input,
             "A target that names nothing loadable, a device it lacks, or a platform that is "
             "missing.");
  make_class(module, "UsageError", bad_input,
             "A bad argument: an op pattern, a call range, a tolerance file, a selection that "
             "selects nothing.");
  make_class(module, "Unsupported", base,
             "The target has no kernel for this call (the message says why).");
  make_class(module, "KernelError", base,
             "The kernel failed on this call (the message is the target's).");
  const py::object failure =
      make_class(module, "TapmlFailure", base,
                 "TapML itself or its infrastructure failed; no verdict on a kernel.");
  make_class(module, "DeviceLost", failure,
             "The device (or the remote server) was lost mid-run; the message names the call "
             "in flight.");

  // pybind11 takes a plain function pointer of this exact signature.
  // NOLINTNEXTLINE(performance-unnecessary-value-param)
  py::register_exception_translator([](std::exception_ptr thrown) {
    try {
      if (thrown) std::rethrow_exception(thrown);
    } catch (const store::TraceError& e) {
      PyErr_SetString(classes().at("TraceError").ptr(), e.what());
    } catch (const backends::TargetError& e) {
      PyErr_SetString(classes().at("TargetError").ptr(), e.what());
    } catch (const backends::DeviceLost& e) {
      PyErr_SetString(classes().at("DeviceLost").ptr(), e.what());
    } catch (const replay::ToleranceError& e) {
      PyErr_SetString(classes().at("UsageError").ptr(), e.what());
    } catch (const store::OpPatternError& e) {
      PyErr_SetString(classes().at("UsageError").ptr(), e.what());
    } catch (const py::builtin_exception&) {
      throw;  // IndexError and the like: pybind11 raises them
    } catch (const py::error_already_set&) {
      throw;
    } catch (const std::exception& e) {
      // Nothing typed it as bad input: TapML failed (common/exit_code.h).
      PyErr_SetString(classes().at("TapmlFailure").ptr(), e.what());
    }
  });
}

}  // namespace tapml::python
