// tapml.connect's device (tapml/device.py): one call run on a target, either
// a carved call of a trace (judged as the replayer judges it: CallRunner) or
// a live call built from Python tensors and values, its outputs laid out as
// torch's meta kernels say and downloaded back. Transfers are the target's
// own: for remote://, the protocol's, content cache included.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "bindings.h"
#include "errors.h"
#include "replayer/call_runner.h"
#include "replayer/layout.h"
#include "replayer/report.h"
#include "replayer/tolerance.h"
#include "store/reader.h"

namespace py = pybind11;

namespace tapml::python {
namespace {

std::string run_call_json(Target& target, const store::TraceReader& trace, int64_t seq,
                          const std::string& tolerance_file) {
  if (seq < 0 || static_cast<size_t>(seq) >= trace.num_calls()) {
    raise("UsageError", "call " + std::to_string(seq) + " is not in " + trace.path());
  }
  replay::TolerancePolicy policy = replay::TolerancePolicy::defaults();
  if (!tolerance_file.empty()) policy.load_file(tolerance_file);
  const store::Call call = trace.call(static_cast<size_t>(seq));
  std::string skipped;
  std::optional<replay::CallResult> result;
  {
    py::gil_scoped_release unlocked;
    replay::CallRunner runner(trace, *target.opened.backend, *target.opened.device, policy);
    result = runner.run(call, &skipped);
  }
  return call_outcome_json(seq, result, skipped);
}

DType dtype_named(const std::string& name) {
  const std::optional<DType> dtype = dtype_from_name(name);
  if (!dtype) raise("UsageError", "dtype " + name + ": not a dtype TapML knows");
  return *dtype;
}

// (dtype, sizes, strides, offset, storage): a tensor's layout and the bytes
// of its whole storage, uploaded to a buffer of the target's device.
backends::Tensor upload_tensor(backends::Device& device, const py::tuple& spec) {
  backends::Tensor t;
  t.dtype = dtype_named(spec[0].cast<std::string>());
  t.sizes = spec[1].cast<std::vector<int64_t>>();
  t.strides = spec[2].cast<std::vector<int64_t>>();
  t.offset = spec[3].cast<int64_t>();
  const py::buffer_info storage = spec[4].cast<py::buffer>().request();
  const auto bytes = static_cast<size_t>(storage.size * storage.itemsize);
  t.buffer = device.alloc(std::max<size_t>(bytes, 1));
  if (bytes > 0) device.upload(*t.buffer, storage.ptr, bytes, 0);
  return t;
}

backends::Value input_value(backends::Device& device, const std::string& kind,
                            const py::handle& value) {
  if (kind == "none") return std::monostate{};
  if (kind == "tensor") return upload_tensor(device, value.cast<py::tuple>());
  if (kind == "tensor_list") {
    std::vector<std::optional<backends::Tensor>> list;
    for (const py::handle item : value) {
      if (item.is_none()) {
        list.emplace_back(std::nullopt);
      } else {
        list.emplace_back(upload_tensor(device, item.cast<py::tuple>()));
      }
    }
    return list;
  }
  if (kind == "bool") return value.cast<bool>();
  if (kind == "int") return value.cast<int64_t>();
  if (kind == "float") return value.cast<double>();
  if (kind == "str") return value.cast<std::string>();
  if (kind == "int_list") return value.cast<std::vector<int64_t>>();
  if (kind == "float_list") return value.cast<std::vector<double>>();
  if (kind == "bool_list") return value.cast<std::vector<bool>>();
  if (kind == "scalar_type") return dtype_named(value.cast<std::string>());
  raise("UsageError", "an argument of kind " + kind + " cannot be sent to a kernel");
}

// Runs `op` on the target with the given inputs; outputs are allocated by
// (dtype, sizes, strides, offset, storage elements), poisoned, and come
// back as their storages' bytes.
std::vector<TensorBytes> run_live(Target& target, const std::string& op, const std::string& schema,
                                  const py::list& inputs, const py::list& outputs) {
  backends::Device& device = *target.opened.device;
  backends::KernelCall call;
  call.op = op;
  call.schema = schema;
  for (const py::handle item : inputs) {
    const auto entry = item.cast<py::tuple>();
    call.inputs.push_back({entry[0].cast<std::string>(),
                           input_value(device, entry[1].cast<std::string>(), entry[2])});
  }
  std::vector<size_t> storage_bytes;
  for (const py::handle item : outputs) {
    const auto spec = item.cast<py::tuple>();
    backends::Tensor t;
    t.dtype = dtype_named(spec[0].cast<std::string>());
    t.sizes = spec[1].cast<std::vector<int64_t>>();
    t.strides = spec[2].cast<std::vector<int64_t>>();
    t.offset = spec[3].cast<int64_t>();
    const auto elements = spec[4].cast<int64_t>();
    std::vector<std::byte> poisoned(static_cast<size_t>(elements) * dtype_size(t.dtype));
    replay::fill_poison(t.dtype, poisoned.data(), elements);
    t.buffer = device.alloc(std::max<size_t>(poisoned.size(), 1));
    if (!poisoned.empty()) device.upload(*t.buffer, poisoned.data(), poisoned.size(), 0);
    storage_bytes.push_back(poisoned.size());
    call.outputs.push_back(std::move(t));
  }
  std::string why;
  const backends::Kernel* kernel = target.opened.backend->kernels().select(call, &why);
  if (kernel == nullptr) {
    raise("Unsupported", op + " is not supported on " + target.address + ": " + why);
  }
  std::vector<TensorBytes> results(call.outputs.size());
  {
    py::gil_scoped_release unlocked;
    try {
      kernel->run(device, call);
      device.finish();
    } catch (const backends::DeviceLost&) {
      throw;
    } catch (const backends::BackendError& e) {
      py::gil_scoped_acquire locked;
      raise("KernelError", op + " on " + target.address + ": " + e.what());
    }
    for (size_t i = 0; i < call.outputs.size(); ++i) {
      results[i].bytes.resize(storage_bytes[i]);
      if (storage_bytes[i] > 0) {
        device.download(*call.outputs[i].buffer, results[i].bytes.data(), storage_bytes[i], 0);
      }
    }
  }
  return results;
}

}  // namespace

void bind_device(py::module_& module) {
  module.def("run_call_json", &run_call_json, py::arg("target"), py::arg("trace"), py::arg("seq"),
             py::arg("tolerance_file"));
  module.def("run_live", &run_live, py::arg("target"), py::arg("op"), py::arg("schema"),
             py::arg("inputs"), py::arg("outputs"));
}

}  // namespace tapml::python
