#include "python_provider.h"

#include <pybind11/stl.h>
#include <tapml/provider.h>

#include <array>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include "backends/provider/dlpack_dtype.h"
#include "backends/provider/provider_backend.h"
#include "backends/target.h"

namespace py = pybind11;

namespace tapml::python {
namespace {

// A tensor of a call as DLPack: torch.from_dlpack and numpy.from_dlpack
// wrap TapML's buffer without a copy. The view is valid during the call.
class DLView {
 public:
  explicit DLView(const DLTensor& tensor)
      : tensor_(tensor),
        shape_(tensor.shape, tensor.shape + tensor.ndim),
        strides_(tensor.strides, tensor.strides + tensor.ndim) {
    tensor_.shape = shape_.data();
    tensor_.strides = strides_.data();
  }

  // A DLPack 1.x capsule ("dltensor_versioned", writable) when the consumer
  // asks for one (numpy marks a legacy capsule's array read-only), else a
  // legacy "dltensor". An unconsumed capsule frees what it owns; a consumer
  // renames it "used_..." and calls the deleter itself.
  py::capsule dlpack(bool versioned) const {
    struct Owned {
      DLManagedTensorVersioned versioned;
      DLManagedTensor legacy;
      std::vector<int64_t> shape, strides;
    };
    auto* owned = new Owned{};
    owned->shape = shape_;
    owned->strides = strides_;
    DLTensor tensor = tensor_;
    tensor.shape = owned->shape.data();
    tensor.strides = owned->strides.data();
    if (versioned) {
      owned->versioned.version = {DLPACK_MAJOR_VERSION, DLPACK_MINOR_VERSION};
      owned->versioned.manager_ctx = owned;
      owned->versioned.deleter = [](DLManagedTensorVersioned* self) {
        delete static_cast<Owned*>(self->manager_ctx);
      };
      owned->versioned.flags = 0;
      owned->versioned.dl_tensor = tensor;
      return py::capsule(&owned->versioned, "dltensor_versioned", [](PyObject* capsule) {
        if (PyCapsule_IsValid(capsule, "dltensor_versioned") != 0) {
          auto* managed = static_cast<DLManagedTensorVersioned*>(
              PyCapsule_GetPointer(capsule, "dltensor_versioned"));
          managed->deleter(managed);
        }
      });
    }
    owned->legacy = {tensor, owned,
                     [](DLManagedTensor* self) { delete static_cast<Owned*>(self->manager_ctx); }};
    return py::capsule(&owned->legacy, "dltensor", [](PyObject* capsule) {
      if (PyCapsule_IsValid(capsule, "dltensor") != 0) {
        auto* managed = static_cast<DLManagedTensor*>(PyCapsule_GetPointer(capsule, "dltensor"));
        managed->deleter(managed);
      }
    });
  }
  std::string dtype() const {
    const auto dtype = backends::dtype_from_dl(tensor_.dtype);
    return dtype ? std::string(dtype_name(*dtype)) : "unknown";
  }
  const std::vector<int64_t>& shape() const { return shape_; }
  const std::vector<int64_t>& strides() const { return strides_; }

 private:
  DLTensor tensor_;
  std::vector<int64_t> shape_, strides_;
};

py::object to_python(const tapml_value& v) {
  switch (v.kind) {
    case TAPML_VALUE_TENSOR:
      return py::cast(DLView(*v.tensor));
    case TAPML_VALUE_TENSOR_LIST: {
      py::list list;
      for (int64_t i = 0; i < v.count; ++i) {
        list.append(v.tensors[i] == nullptr ? py::none() : py::cast(DLView(*v.tensors[i])));
      }
      return list;
    }
    case TAPML_VALUE_INT:
      return py::int_(v.i);
    case TAPML_VALUE_FLOAT:
      return py::float_(v.f);
    case TAPML_VALUE_BOOL:
      return py::bool_(v.b != 0);
    case TAPML_VALUE_STRING:
      return py::str(v.s);
    case TAPML_VALUE_INT_LIST:
      return py::cast(std::vector<int64_t>(v.ints, v.ints + v.count));
    case TAPML_VALUE_FLOAT_LIST:
      return py::cast(std::vector<double>(v.floats, v.floats + v.count));
    case TAPML_VALUE_BOOL_LIST: {
      py::list list;
      for (int64_t i = 0; i < v.count; ++i) list.append(py::bool_(v.bools[i] != 0));
      return list;
    }
    case TAPML_VALUE_SCALAR_TYPE: {
      const auto dtype = backends::dtype_from_dl(v.scalar_type);
      return dtype ? py::str(std::string(dtype_name(*dtype))) : py::str("unknown");
    }
    case TAPML_VALUE_NONE:
      break;
  }
  return py::none();
}

// (name, kind, value) of each input: the kind tells a dtype argument
// ("scalar_type", its value a dtype name) from a string.
py::list inputs_of(const tapml_call& call) {
  py::list inputs;
  for (size_t i = 0; i < call.num_inputs; ++i) {
    const tapml_value& value = call.inputs[i].value;
    const char* kind = value.kind == TAPML_VALUE_SCALAR_TYPE ? "scalar_type"
                       : value.kind == TAPML_VALUE_TENSOR    ? "tensor"
                                                             : "value";
    inputs.append(py::make_tuple(call.inputs[i].name, kind, to_python(value)));
  }
  return inputs;
}

// "ValueError: message (at kernels.py:12 in my_add)": the exception of a
// Python kernel in one line, with where it was raised.
std::string describe(py::error_already_set& e) {
  std::string text =
      e.type().attr("__name__").cast<std::string>() + ": " + py::str(e.value()).cast<std::string>();
  if (e.trace()) {
    const py::list frames = py::module_::import("traceback").attr("extract_tb")(e.trace());
    if (!frames.empty()) {
      const py::object last = frames[frames.size() - 1];
      text += " (at " + py::str(last.attr("filename")).cast<std::string>() + ":" +
              py::str(last.attr("lineno")).cast<std::string>() + " in " +
              py::str(last.attr("name")).cast<std::string>() + ")";
    }
  }
  return text;
}

void write_error(tapml_error* error, const std::string& message) {
  if (error == nullptr || error->message == nullptr || error->capacity == 0) return;
  const size_t n = std::min(message.size(), error->capacity - 1);
  std::memcpy(error->message, message.data(), n);
  error->message[n] = '\0';
}

// The adapters of the slots in use; a slot's C functions find theirs here.
constexpr size_t kSlots = 8;
std::array<py::object*, kSlots> adapters{};
std::mutex slots_mutex;

template <size_t Slot>
struct SlotTable {
  static py::object& adapter() { return *adapters[Slot]; }

  static tapml_status device_count(int32_t* count, tapml_error* /*error*/) {
    *count = 1;
    return TAPML_STATUS_OK;
  }
  static tapml_status device_info(int32_t index, tapml_device_info* info, tapml_error* error) {
    if (index != 0) {
      write_error(error, "a Python provider has one device, 0");
      return TAPML_STATUS_ERROR;
    }
    py::gil_scoped_acquire gil;
    const std::string name = "python:0 " + adapter().attr("name").cast<std::string>();
    std::snprintf(info->name, sizeof(info->name), "%s", name.c_str());
    info->memory = TAPML_MEMORY_HOST;
    return TAPML_STATUS_OK;
  }
  static tapml_status open_device(int32_t /*index*/, tapml_device** device,
                                  tapml_error* /*error*/) {
    *device = reinterpret_cast<tapml_device*>(&adapters[Slot]);
    return TAPML_STATUS_OK;
  }
  static void close_device(tapml_device* /*device*/) {}
  static size_t op_count() {
    py::gil_scoped_acquire gil;
    return py::len(adapter().attr("ops"));
  }
  static const char* op_name(size_t index) {
    static thread_local std::string name;
    py::gil_scoped_acquire gil;
    name = adapter().attr("ops")[py::int_(index)].cast<std::string>();
    return name.c_str();
  }
  static const char* why_unsupported(const tapml_call* call) {
    static thread_local std::string why;
    py::gil_scoped_acquire gil;
    try {
      const py::object answer =
          adapter().attr("why_unsupported")(std::string(call->op), inputs_of(*call));
      if (answer.is_none()) return nullptr;
      why = answer.cast<std::string>();
    } catch (py::error_already_set& e) {
      why = "its why_unsupported raised " + describe(e);
    }
    return why.c_str();
  }
  static tapml_status run(tapml_device* /*device*/, const tapml_call* call, tapml_error* error) {
    py::gil_scoped_acquire gil;
    try {
      py::list outputs;
      for (size_t i = 0; i < call->num_outputs; ++i) outputs.append(DLView(call->outputs[i]));
      adapter().attr("run")(std::string(call->op), inputs_of(*call), outputs);
      return TAPML_STATUS_OK;
    } catch (py::error_already_set& e) {
      write_error(error, describe(e));
      return TAPML_STATUS_ERROR;
    }
  }

  static const tapml_provider& table() {
    static const tapml_provider provider = [] {
      tapml_provider p{};
      p.struct_size = sizeof(p);
      p.abi_major = TAPML_PROVIDER_ABI_MAJOR;
      p.abi_minor = TAPML_PROVIDER_ABI_MINOR;
      p.name = "python";
      p.version = "";
      p.device_count = &device_count;
      p.device_info = &device_info;
      p.open_device = &open_device;
      p.close_device = &close_device;
      p.op_count = &op_count;
      p.op_name = &op_name;
      p.why_unsupported = &why_unsupported;
      p.run = &run;
      return p;
    }();
    return provider;
  }
};

template <size_t... Slots>
const tapml_provider& table_of(size_t slot, std::index_sequence<Slots...> /*slots*/) {
  static const std::array<const tapml_provider*, kSlots> tables = {&SlotTable<Slots>::table()...};
  return *tables[slot];
}

// The provider backend, its slot given back when it goes.
class PythonProviderBackend : public backends::Backend {
 public:
  PythonProviderBackend(size_t slot, std::string name)
      : slot_(slot),
        name_(std::move(name)),
        inner_(backends::provider_backend(table_of(slot, std::make_index_sequence<kSlots>()))) {}
  ~PythonProviderBackend() override {
    inner_.reset();
    try {  // the adapter is a Python object: dropped with the GIL held
      const std::lock_guard lock(slots_mutex);
      py::gil_scoped_acquire gil;
      delete adapters[slot_];
      adapters[slot_] = nullptr;
    } catch (...) {  // NOLINT(bugprone-empty-catch): at interpreter exit; the slot is lost
    }
  }
  PythonProviderBackend(const PythonProviderBackend&) = delete;
  PythonProviderBackend& operator=(const PythonProviderBackend&) = delete;

  std::string name() const override { return name_; }
  std::vector<backends::DeviceInfo> devices() const override { return inner_->devices(); }
  std::unique_ptr<backends::Device> open(int index) const override { return inner_->open(index); }
  const backends::KernelTable& kernels() const override { return inner_->kernels(); }

 private:
  size_t slot_;
  std::string name_;
  std::unique_ptr<backends::Backend> inner_;
};

}  // namespace

std::unique_ptr<backends::Backend> python_provider_backend(py::object adapter) {
  const std::string name = adapter.attr("name").cast<std::string>();
  size_t slot = kSlots;
  {
    const std::lock_guard lock(slots_mutex);
    for (size_t i = 0; i < kSlots; ++i) {
      if (adapters[i] == nullptr) {
        adapters[i] = new py::object(std::move(adapter));
        slot = i;
        break;
      }
    }
  }
  if (slot == kSlots) {
    throw backends::TargetError("python provider " + name + ": " + std::to_string(kSlots) +
                                " Python providers are open already; drop one first");
  }
  return std::make_unique<PythonProviderBackend>(slot, name);
}

void bind_python_provider(py::module_& module) {
  py::class_<DLView>(module, "DLView")
      .def("__dlpack__",
           [](const DLView& v, const py::kwargs& options) {
             bool versioned = false;
             if (options.contains("max_version") && !options["max_version"].is_none()) {
               versioned = options["max_version"].cast<py::tuple>()[0].cast<int>() >= 1;
             }
             return v.dlpack(versioned);
           })
      .def("__dlpack_device__", [](const DLView& /*v*/) { return py::make_tuple(1, 0); })
      .def_property_readonly("dtype", &DLView::dtype)
      .def_property_readonly("shape", &DLView::shape)
      .def_property_readonly("strides", &DLView::strides);
}

}  // namespace tapml::python
