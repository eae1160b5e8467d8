// tapml._tapml: the native module of the Python package (python/tapml/). It
// lives in TapML's lib/ folder, beside the provider libraries it opens
// (common/own_path.h finds them relative to this module), and needs no
// torch: reading traces and replaying them work on any machine.
#include <pybind11/pybind11.h>

#include "bindings.h"
#include "common/tool_cli.h"
#include "errors.h"
#include "python_provider.h"
#ifdef TAPML_HAS_REMOTE
#include "remote/client/remote_scheme.h"
#endif

PYBIND11_MODULE(_tapml, module) {
  module.doc() = "TapML's C++ libraries for the tapml package; use tapml, not this module.";
#ifdef TAPML_HAS_REMOTE
  // remote://HOST:PORT/TARGET, compiled in: a Python session may connect to
  // several servers, and the provider library is configured once per process.
  tapml::remote::register_remote_scheme(/*preferred=*/true);
#endif
  module.attr("version") = tapml::version();
  tapml::python::register_errors(module);
  tapml::python::bind_trace(module);
  tapml::python::bind_python_provider(module);
  tapml::python::bind_replay(module);
  tapml::python::bind_device(module);
}
