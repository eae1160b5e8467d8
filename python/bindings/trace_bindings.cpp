// tapml._tapml.Trace: the C++ trace reader (store/reader.h) for the Python
// package. Calls and metadata cross as the JSON the store already writes
// (store/call_json.h), so Python and `tapml-trace show --json` read a call
// alike; tensor values cross as a buffer numpy and torch wrap without a
// copy.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bindings.h"
#include "errors.h"
#include "replayer/layout.h"
#include "store/call_json.h"
#include "store/op_pattern.h"
#include "store/reader.h"

namespace py = pybind11;

namespace tapml::python {
namespace {

nlohmann::json stored_json(const store::StoredTensor& t) {
  return {{"hash", t.hash},
          {"dtype", std::string(store::dtype_name(t.dtype))},
          {"sizes", t.sizes},
          {"nbytes", t.nbytes},
          {"stored_bytes", t.stored_bytes},
          {"view_of", t.view_of},
          {"dims", t.dims}};
}

// Seqs of the calls whose op matches `op` (an op pattern, store/op_pattern.h)
// and whose module scope is `scope` or lies inside it.
std::vector<int64_t> select_calls(const store::TraceReader& trace, const std::string& op,
                                  const std::string& scope) {
  const store::OpPattern pattern(op, "op");
  std::vector<int64_t> seqs;
  for (size_t i = 0; i < trace.num_calls(); ++i) {
    const store::Call call = trace.call(i);
    if (!pattern.matches(call.full_name())) continue;
    if (!scope.empty() && call.scope != scope && call.scope.rfind(scope + ".", 0) != 0) continue;
    seqs.push_back(call.seq);
  }
  return seqs;
}

}  // namespace

void bind_trace(py::module_& module) {
  // The bits the replayer fills a strided view's gaps with (replayer/layout.h).
  module.def("poison_pattern", [](const std::string& dtype_text) {
    const std::optional<DType> dtype = dtype_from_name(dtype_text);
    if (!dtype) raise("UsageError", "dtype " + dtype_text + ": not a dtype TapML knows");
    const std::vector<std::byte> pattern = replay::poison_pattern(*dtype);
    return py::bytes(reinterpret_cast<const char*>(pattern.data()), pattern.size());
  });

  py::class_<TensorBytes>(module, "TensorBytes", py::buffer_protocol())
      .def_buffer([](TensorBytes& t) {
        return py::buffer_info(t.bytes.data(), 1, py::format_descriptor<uint8_t>::format(), 1,
                               {static_cast<py::ssize_t>(t.bytes.size())}, {1});
      })
      .def("__len__", [](const TensorBytes& t) { return t.bytes.size(); });

  py::class_<store::TraceReader>(module, "Trace")
      .def(py::init([](const std::string& path) { return store::TraceReader::open(path); }),
           py::arg("path"))
      .def_property_readonly("path", &store::TraceReader::path)
      .def("meta_json", [](const store::TraceReader& t) { return meta_to_json(t.meta()).dump(); })
      .def("__len__", &store::TraceReader::num_calls)
      .def("call_json",
           [](const store::TraceReader& t, int64_t seq) {
             if (seq < 0 || static_cast<size_t>(seq) >= t.num_calls()) {
               throw py::index_error("call " + std::to_string(seq) + " is not in " + t.path() +
                                     " (it holds calls 0 to " +
                                     std::to_string(static_cast<int64_t>(t.num_calls()) - 1) + ")");
             }
             return call_to_json(t.call(static_cast<size_t>(seq))).dump();
           })
      .def("select", &select_calls, py::arg("op") = "", py::arg("scope") = "")
      .def("tensor_json",
           [](const store::TraceReader& t, const std::string& hash) {
             return stored_json(t.tensor_info(hash)).dump();
           })
      .def("tensors_json",
           [](const store::TraceReader& t) {
             nlohmann::json all = nlohmann::json::array();
             for (const store::StoredTensor& s : t.tensors()) all.push_back(stored_json(s));
             return all.dump();
           })
      .def("read", [](const store::TraceReader& t,
                      const std::string& hash) { return TensorBytes{t.read_tensor(hash)}; })
      .def("op_stats_json", [](const store::TraceReader& t) {
        nlohmann::json all = nlohmann::json::object();
        for (const auto& [op, s] : t.op_stats()) {
          all[op] = {{"calls", s.calls},
                     {"captured", s.captured},
                     {"signatures", s.signatures},
                     {"tensor_bytes", s.tensor_bytes}};
        }
        return all.dump();
      });
}

}  // namespace tapml::python
