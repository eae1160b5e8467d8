#include "backends/provider/backend_as_provider.h"

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "backends/backend.h"
#include "backends/provider/dlpack_dtype.h"

// What a provider's device and memory are to this adapter.
struct tapml_device {
  std::unique_ptr<tapml::backends::Device> device;
};

namespace tapml::backends {
namespace {

// What DLTensor.data points to: one of the backend's buffers.
struct BufferHandle {
  std::shared_ptr<Buffer> buffer;
};

// The one backend this library serves, opened by `opener` from the
// address's settings at configure (or, for a host that never configures,
// with none at first use).
BackendOpener opener;
const Backend* served = nullptr;
std::string served_name;
std::string served_numerics;
std::vector<std::string> op_names;
tapml_provider table{};

// The table's name and numerics become the served backend's.
void describe_served() {
  served_name = served->name();
  table.name = served_name.c_str();
  served_numerics = served->numerics();
  table.numerics = served_numerics.empty() ? nullptr : served_numerics.c_str();
}

const Backend& backend() {
  if (served == nullptr) {
    served = &opener({});
    op_names = backend().kernels().ops();
    describe_served();
  }
  return *served;
}

void set_error(tapml_error* error, const std::string& message) {
  if (error == nullptr || error->message == nullptr || error->capacity == 0) return;
  std::snprintf(error->message, error->capacity, "%s", message.c_str());
}

// Runs `body`, turning TapML's exceptions into the ABI's status values.
template <typename Body>
tapml_status guarded(tapml_error* error, Body body) {
  try {
    body();
    return TAPML_STATUS_OK;
  } catch (const DeviceLost& e) {
    set_error(error, e.what());
    return TAPML_STATUS_DEVICE_LOST;
  } catch (const CallUnsupported& e) {
    set_error(error, e.what());
    return TAPML_STATUS_UNSUPPORTED;
  } catch (const std::exception& e) {
    set_error(error, e.what());
    return TAPML_STATUS_ERROR;
  }
}

Tensor tensor_from(const DLTensor& dl) {
  Tensor t;
  const std::optional<DType> dtype = dtype_from_dl(dl.dtype);
  if (!dtype) throw BackendError("a tensor of a DLPack dtype TapML has no name for");
  t.dtype = *dtype;
  if (dl.data != nullptr) t.buffer = static_cast<const BufferHandle*>(dl.data)->buffer;
  t.sizes.assign(dl.shape, dl.shape + dl.ndim);
  t.strides = dl.strides != nullptr ? std::vector<int64_t>(dl.strides, dl.strides + dl.ndim)
                                    : contiguous_strides(t.sizes);
  t.offset = static_cast<int64_t>(dl.byte_offset / dtype_size(t.dtype));
  return t;
}

Value value_from(const tapml_value& v) {
  switch (v.kind) {
    case TAPML_VALUE_NONE:
      return std::monostate{};
    case TAPML_VALUE_TENSOR:
      return tensor_from(*v.tensor);
    case TAPML_VALUE_TENSOR_LIST: {
      std::vector<std::optional<Tensor>> list;
      for (int64_t i = 0; i < v.count; ++i) {
        if (v.tensors[i] == nullptr) {
          list.emplace_back(std::nullopt);
        } else {
          list.emplace_back(tensor_from(*v.tensors[i]));
        }
      }
      return list;
    }
    case TAPML_VALUE_INT:
      return v.i;
    case TAPML_VALUE_FLOAT:
      return v.f;
    case TAPML_VALUE_BOOL:
      return v.b != 0;
    case TAPML_VALUE_STRING:
      return std::string(v.s);
    case TAPML_VALUE_INT_LIST:
      return std::vector<int64_t>(v.ints, v.ints + v.count);
    case TAPML_VALUE_FLOAT_LIST:
      return std::vector<double>(v.floats, v.floats + v.count);
    case TAPML_VALUE_BOOL_LIST:
      return std::vector<bool>(v.bools, v.bools + v.count);
    case TAPML_VALUE_SCALAR_TYPE: {
      const std::optional<DType> dtype = dtype_from_dl(v.scalar_type);
      if (!dtype) throw BackendError("a ScalarType of a DLPack dtype TapML has no name for");
      return *dtype;
    }
  }
  throw BackendError("a value of unknown kind " + std::to_string(static_cast<int>(v.kind)));
}

KernelCall call_from(const tapml_call& c) {
  KernelCall call;
  call.op = c.op;
  call.schema = c.schema != nullptr ? c.schema : "";
  for (size_t i = 0; i < c.num_inputs; ++i) {
    call.inputs.push_back({c.inputs[i].name, value_from(c.inputs[i].value)});
  }
  for (size_t i = 0; i < c.num_outputs; ++i) call.outputs.push_back(tensor_from(c.outputs[i]));
  return call;
}

tapml_status device_count(int32_t* count, tapml_error* error) {
  return guarded(error, [&] { *count = static_cast<int32_t>(backend().devices().size()); });
}

tapml_status device_info(int32_t index, tapml_device_info* info, tapml_error* error) {
  return guarded(error, [&] {
    for (const DeviceInfo& device : backend().devices()) {
      if (device.index != index) continue;
      std::snprintf(info->name, sizeof(info->name), "%s", device.name.c_str());
      info->memory = TAPML_MEMORY_DEVICE;
      return;
    }
    throw BackendError(backend().name() + " has no device " + std::to_string(index));
  });
}

tapml_status open_device(int32_t index, tapml_device** device, tapml_error* error) {
  return guarded(error, [&] { *device = new tapml_device{backend().open(index)}; });
}

void close_device(tapml_device* device) { delete device; }

tapml_status alloc(tapml_device* device, size_t bytes, void** data, tapml_error* error) {
  return guarded(error, [&] { *data = new BufferHandle{device->device->alloc(bytes)}; });
}

void free_buffer(tapml_device* /*device*/, void* data) { delete static_cast<BufferHandle*>(data); }

tapml_status upload(tapml_device* device, void* dst, size_t dst_offset, const void* src,
                    size_t bytes, tapml_error* error) {
  return guarded(error, [&] {
    device->device->upload(*static_cast<BufferHandle*>(dst)->buffer, src, bytes, dst_offset);
  });
}

tapml_status download(tapml_device* device, const void* src, size_t src_offset, void* dst,
                      size_t bytes, tapml_error* error) {
  return guarded(error, [&] {
    device->device->download(*static_cast<const BufferHandle*>(src)->buffer, dst, bytes,
                             src_offset);
  });
}

tapml_status finish(tapml_device* device, tapml_error* error) {
  return guarded(error, [&] { device->device->finish(); });
}

tapml_status configure(const tapml_setting* settings, size_t count, tapml_error* error) {
  return guarded(error, [&] {
    if (served != nullptr) throw BackendError("configured twice");
    ProviderSettings given;
    for (size_t i = 0; i < count; ++i) given.emplace_back(settings[i].key, settings[i].value);
    served = &opener(given);
    op_names = served->kernels().ops();
    describe_served();
  });
}

size_t op_count() {
  try {
    return backend().kernels().ops().size();
  } catch (const std::exception&) {
    return 0;  // device_count says why
  }
}

const char* op_name(size_t index) {
  return index < op_names.size() ? op_names[index].c_str() : nullptr;
}

const char* why_unsupported(const tapml_call* c) {
  thread_local std::string why;
  try {
    if (backend().kernels().select(call_from(*c), &why) != nullptr) return nullptr;
  } catch (const std::exception& e) {
    why = e.what();
  }
  return why.c_str();
}

tapml_status run(tapml_device* device, const tapml_call* c, tapml_error* error) {
  return guarded(error, [&] {
    const KernelCall call = call_from(*c);
    std::string why;
    const Kernel* kernel = backend().kernels().select(call, &why);
    if (kernel == nullptr) throw BackendError(why);
    kernel->run(*device->device, call);
  });
}

}  // namespace

const tapml_provider* backend_as_provider(const char* name, uint32_t abi_major,
                                          BackendOpener open) {
  if (abi_major != TAPML_PROVIDER_ABI_MAJOR) return nullptr;
  if (!opener) {
    opener = std::move(open);
    table.struct_size = sizeof(tapml_provider);
    table.abi_major = TAPML_PROVIDER_ABI_MAJOR;
    table.abi_minor = TAPML_PROVIDER_ABI_MINOR;
    table.name = name;
    table.version = TAPML_VERSION;
    table.device_count = device_count;
    table.device_info = device_info;
    table.open_device = open_device;
    table.close_device = close_device;
    table.alloc = alloc;
    table.free = free_buffer;
    table.upload = upload;
    table.download = download;
    table.finish = finish;
    table.op_count = op_count;
    table.op_name = op_name;
    table.why_unsupported = why_unsupported;
    table.run = run;
    table.configure = configure;
  }
  return &table;
}

}  // namespace tapml::backends
