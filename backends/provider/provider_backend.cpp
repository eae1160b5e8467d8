#include "backends/provider/provider_backend.h"

#include <tapml/provider.h>

#include <array>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>

#include "backends/provider/dlpack_dtype.h"
#include "backends/provider/provider_library.h"

namespace tapml::backends {

namespace {

// An error slot for one call through the table.
struct ErrorSlot {
  std::array<char, 1024> text{};
  tapml_error error{sizeof(tapml_error), text.data(), text.size()};

  [[noreturn]] void raise(tapml_status status, const std::string& what) const {
    const std::string message = what + ": " + (text[0] != '\0' ? text.data() : "failed");
    if (status == TAPML_STATUS_DEVICE_LOST) throw DeviceLost(message);
    if (status == TAPML_STATUS_UNSUPPORTED) throw CallUnsupported(message);
    throw BackendError(message);
  }
};

// Memory of a provider device: the provider's own, or host memory TapML
// allocates for a host-memory provider.
class ProviderBuffer : public Buffer {
 public:
  ProviderBuffer(const tapml_provider& table, tapml_device* device, size_t bytes, bool host)
      : table_(table), device_(device), bytes_(bytes), host_(host) {
    if (host_) {
      host_memory_.resize(bytes_ == 0 ? 1 : bytes_);
      data_ = host_memory_.data();
      return;
    }
    ErrorSlot slot;
    const tapml_status status = table_.alloc(device_, bytes_, &data_, &slot.error);
    if (status != TAPML_STATUS_OK) slot.raise(status, std::string(table_.name) + " alloc");
  }
  ~ProviderBuffer() override {
    if (!host_ && data_ != nullptr) table_.free(device_, data_);
  }
  ProviderBuffer(const ProviderBuffer&) = delete;
  ProviderBuffer& operator=(const ProviderBuffer&) = delete;
  size_t size() const override { return bytes_; }
  void* data() const { return data_; }

 private:
  const tapml_provider& table_;
  tapml_device* device_;
  size_t bytes_;
  bool host_;
  std::vector<std::byte> host_memory_;
  void* data_ = nullptr;
};

// A KernelCall described as a tapml_call; owns every array the call points to.
class CallView {
 public:
  CallView(const KernelCall& call, DLDevice device) : device_(device) {
    for (const NamedValue& input : call.inputs) {
      tapml_argument argument{};
      argument.struct_size = sizeof(tapml_argument);
      argument.name = input.name.c_str();
      argument.value = value(input.value);
      arguments_.push_back(argument);
    }
    for (const Tensor& output : call.outputs) outputs_.push_back(dl_tensor(output));
    call_.struct_size = sizeof(tapml_call);
    call_.op = call.op.c_str();
    call_.schema = call.schema.c_str();
    call_.inputs = arguments_.data();
    call_.num_inputs = arguments_.size();
    call_.outputs = outputs_.data();
    call_.num_outputs = outputs_.size();
  }
  const tapml_call& call() const { return call_; }

 private:
  DLTensor dl_tensor(const Tensor& tensor) const {
    DLTensor dl{};
    const auto* buffer = dynamic_cast<const ProviderBuffer*>(tensor.buffer.get());
    dl.data = buffer != nullptr ? buffer->data() : nullptr;
    dl.device = device_;
    dl.ndim = static_cast<int32_t>(tensor.sizes.size());
    dl.dtype = dl_dtype(tensor.dtype);
    dl.shape = const_cast<int64_t*>(tensor.sizes.data());
    dl.strides = const_cast<int64_t*>(tensor.strides.data());
    dl.byte_offset = static_cast<uint64_t>(tensor.offset) * dtype_size(tensor.dtype);
    return dl;
  }
  const DLTensor* keep(const Tensor& tensor) { return &tensors_.emplace_back(dl_tensor(tensor)); }

  tapml_value value(const Value& v) {
    tapml_value out{};
    out.struct_size = sizeof(tapml_value);
    if (const auto* t = std::get_if<Tensor>(&v)) {
      out.kind = TAPML_VALUE_TENSOR;
      out.tensor = keep(*t);
    } else if (const auto* b = std::get_if<bool>(&v)) {
      out.kind = TAPML_VALUE_BOOL;
      out.b = *b ? 1 : 0;
    } else if (const auto* i = std::get_if<int64_t>(&v)) {
      out.kind = TAPML_VALUE_INT;
      out.i = *i;
    } else if (const auto* f = std::get_if<double>(&v)) {
      out.kind = TAPML_VALUE_FLOAT;
      out.f = *f;
    } else if (const auto* s = std::get_if<std::string>(&v)) {
      out.kind = TAPML_VALUE_STRING;
      out.s = s->c_str();
    } else if (const auto* ints = std::get_if<std::vector<int64_t>>(&v)) {
      out.kind = TAPML_VALUE_INT_LIST;
      out.ints = ints->data();
      out.count = static_cast<int64_t>(ints->size());
    } else if (const auto* floats = std::get_if<std::vector<double>>(&v)) {
      out.kind = TAPML_VALUE_FLOAT_LIST;
      out.floats = floats->data();
      out.count = static_cast<int64_t>(floats->size());
    } else if (const auto* bools = std::get_if<std::vector<bool>>(&v)) {
      out.kind = TAPML_VALUE_BOOL_LIST;
      auto& bytes = bool_lists_.emplace_back(bools->begin(), bools->end());
      out.bools = bytes.data();
      out.count = static_cast<int64_t>(bytes.size());
    } else if (const auto* list = std::get_if<std::vector<std::optional<Tensor>>>(&v)) {
      out.kind = TAPML_VALUE_TENSOR_LIST;
      auto& pointers = tensor_lists_.emplace_back();
      for (const auto& element : *list) pointers.push_back(element ? keep(*element) : nullptr);
      out.tensors = pointers.data();
      out.count = static_cast<int64_t>(pointers.size());
    } else if (const auto* dtype = std::get_if<DType>(&v)) {
      out.kind = TAPML_VALUE_SCALAR_TYPE;
      out.scalar_type = dl_dtype(*dtype);
    } else {
      out.kind = TAPML_VALUE_NONE;
    }
    return out;
  }

  DLDevice device_;
  std::deque<DLTensor> tensors_;  // stable addresses
  std::deque<std::vector<uint8_t>> bool_lists_;
  std::deque<std::vector<const DLTensor*>> tensor_lists_;
  std::vector<tapml_argument> arguments_;
  std::vector<DLTensor> outputs_;
  tapml_call call_{};
};

class ProviderDevice : public Device {
 public:
  ProviderDevice(const tapml_provider& table, int index) : table_(table), index_(index) {
    tapml_device_info info{};
    info.struct_size = sizeof(info);
    ErrorSlot slot;
    tapml_status status = table_.device_info(index, &info, &slot.error);
    if (status != TAPML_STATUS_OK) slot.raise(status, std::string(table_.name) + " device_info");
    name_ = std::string(info.name, strnlen(info.name, sizeof(info.name)));
    host_ = info.memory == TAPML_MEMORY_HOST;
    if (!host_ && (table_.alloc == nullptr || table_.free == nullptr || table_.upload == nullptr ||
                   table_.download == nullptr)) {
      throw ProviderLoadError(std::string(table_.name) + " device " + std::to_string(index) +
                              " has its own memory but the table has no alloc/free/upload/"
                              "download");
    }
    status = table_.open_device(index, &device_, &slot.error);
    if (status != TAPML_STATUS_OK) slot.raise(status, std::string(table_.name) + " open_device");
  }
  ~ProviderDevice() override { table_.close_device(device_); }
  ProviderDevice(const ProviderDevice&) = delete;
  ProviderDevice& operator=(const ProviderDevice&) = delete;

  std::string name() const override { return name_; }
  std::shared_ptr<Buffer> alloc(size_t bytes) override {
    return std::make_shared<ProviderBuffer>(table_, device_, bytes, host_);
  }
  void upload(Buffer& dst, const void* src, size_t bytes, size_t dst_offset) override {
    auto& buffer = dynamic_cast<ProviderBuffer&>(dst);
    if (host_) {
      std::memcpy(static_cast<std::byte*>(buffer.data()) + dst_offset, src, bytes);
      return;
    }
    ErrorSlot slot;
    const tapml_status status =
        table_.upload(device_, buffer.data(), dst_offset, src, bytes, &slot.error);
    if (status != TAPML_STATUS_OK) slot.raise(status, std::string(table_.name) + " upload");
  }
  void download(const Buffer& src, void* dst, size_t bytes, size_t src_offset) override {
    const auto& buffer = dynamic_cast<const ProviderBuffer&>(src);
    if (host_) {
      std::memcpy(dst, static_cast<const std::byte*>(buffer.data()) + src_offset, bytes);
      return;
    }
    ErrorSlot slot;
    const tapml_status status =
        table_.download(device_, buffer.data(), src_offset, dst, bytes, &slot.error);
    if (status != TAPML_STATUS_OK) slot.raise(status, std::string(table_.name) + " download");
  }
  void finish() override {
    if (table_.finish == nullptr) return;
    ErrorSlot slot;
    const tapml_status status = table_.finish(device_, &slot.error);
    if (status != TAPML_STATUS_OK) slot.raise(status, std::string(table_.name) + " finish");
  }
  Primitives& primitives() override {
    throw BackendError(std::string(table_.name) +
                       " is a provider: its kernels are its own, it has no TapML primitives");
  }

  DLDevice dl_device() const { return host_ ? DLDevice{kDLCPU, 0} : DLDevice{kDLExtDev, index_}; }
  tapml_device* handle() const { return device_; }

 private:
  const tapml_provider& table_;
  int index_;
  std::string name_;
  bool host_ = true;
  tapml_device* device_ = nullptr;
};

class ProviderBackend : public Backend {
 public:
  explicit ProviderBackend(const tapml_provider& table) : table_(table) {
    const size_t count = table_.op_count();
    for (size_t i = 0; i < count; ++i) {
      const char* op = table_.op_name(i);
      if (op == nullptr) continue;
      Kernel kernel;
      kernel.op = op;
      kernel.why_unsupported = [this](const KernelCall& call) {
        const CallView view(call, DLDevice{kDLCPU, 0});
        const char* why = table_.why_unsupported(&view.call());
        return why == nullptr ? std::string() : std::string(why);
      };
      kernel.run = [this](Device& device, const KernelCall& call) {
        auto& provider_device = dynamic_cast<ProviderDevice&>(device);
        const CallView view(call, provider_device.dl_device());
        ErrorSlot slot;
        const tapml_status status = table_.run(provider_device.handle(), &view.call(), &slot.error);
        if (status != TAPML_STATUS_OK) slot.raise(status, call.op + " on " + table_.name);
      };
      kernels_.add(std::move(kernel));
    }
  }

  std::string name() const override { return table_.name; }
  std::string numerics() const override {  // ABI 1.3; an older table has none
    if (table_.struct_size < TAPML_PROVIDER_V1_3_SIZE || table_.numerics == nullptr) return {};
    return table_.numerics;
  }
  std::vector<DeviceInfo> devices() const override {
    int32_t count = 0;
    ErrorSlot slot;
    const tapml_status status = table_.device_count(&count, &slot.error);
    if (status != TAPML_STATUS_OK) slot.raise(status, std::string(table_.name) + " device_count");
    std::vector<DeviceInfo> devices;
    for (int32_t i = 0; i < count; ++i) {
      tapml_device_info info{};
      info.struct_size = sizeof(info);
      ErrorSlot info_slot;
      const tapml_status info_status = table_.device_info(i, &info, &info_slot.error);
      if (info_status != TAPML_STATUS_OK) {
        info_slot.raise(info_status, std::string(table_.name) + " device_info");
      }
      devices.push_back({i, std::string(info.name, strnlen(info.name, sizeof(info.name)))});
    }
    return devices;
  }
  std::unique_ptr<Device> open(int index) const override {
    return std::make_unique<ProviderDevice>(table_, index);
  }
  const KernelTable& kernels() const override { return kernels_; }

 private:
  const tapml_provider& table_;
  KernelTable kernels_;
};

}  // namespace

const Backend* find_provider(const std::string& target, const ProviderSettings& settings) {
  const std::string path = find_provider_library(target);
  if (path.empty()) return nullptr;
  static std::mutex mutex;
  static std::map<const tapml_provider*, std::unique_ptr<ProviderBackend>> backends;
  const tapml_provider& table = load_provider_library(path, settings);
  std::lock_guard lock(mutex);
  auto& backend = backends[&table];
  if (!backend) backend = std::make_unique<ProviderBackend>(table);
  return backend.get();
}

std::unique_ptr<Backend> provider_backend(const tapml_provider& table) {
  return std::make_unique<ProviderBackend>(table);
}

}  // namespace tapml::backends
