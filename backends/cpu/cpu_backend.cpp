#include "backends/cpu/cpu_backend.h"

#include <cstring>

#include "backends/cpu/cpu_primitives.h"
#include "backends/cpu/host_tensor.h"
#include "backends/lowering/lowering.h"

namespace tapml::backends {
namespace cpu {

std::byte* host_data(const Tensor& t) {
  auto* buffer = dynamic_cast<HostBuffer*>(t.buffer.get());
  if (!buffer) throw BackendError("cpu: tensor is not in a host buffer");
  if (t.rank() > kMaxRank) {
    throw BackendError("cpu: rank " + std::to_string(t.rank()) + " > " + std::to_string(kMaxRank));
  }
  if (t.strides.size() != t.sizes.size())
    throw BackendError("cpu: sizes and strides differ in rank");
  if (t.numel() == 0) return buffer->data();
  int64_t lowest = t.offset;
  int64_t highest = t.offset;
  for (size_t d = 0; d < t.sizes.size(); ++d) {
    const int64_t extent = (t.sizes[d] - 1) * t.strides[d];
    (extent < 0 ? lowest : highest) += extent;
  }
  const auto elements = static_cast<int64_t>(buffer->size() / dtype_size(t.dtype));
  if (lowest < 0 || highest >= elements) {
    throw BackendError("cpu: view reaches element " + std::to_string(highest) + " of a buffer of " +
                       std::to_string(elements));
  }
  return buffer->data();
}

std::vector<int64_t> relative_offsets(const Tensor& t) {
  Tensor at_zero = t;
  at_zero.offset = 0;
  std::vector<int64_t> offsets;
  offsets.reserve(static_cast<size_t>(t.numel()));
  for_each_offset<1>(t.sizes, {&at_zero}, [&](const auto& o) { offsets.push_back(o[0]); });
  return offsets;
}

ComputeType compute_type(std::initializer_list<const Tensor*> tensors) {
  ComputeType type = ComputeType::Int;
  for (const Tensor* t : tensors) {
    if (t->dtype == DType::Float64) return ComputeType::Double;
    if (dtype_is_floating(t->dtype)) type = ComputeType::Float;
  }
  return type;
}

namespace {

class CpuDevice : public Device {
 public:
  CpuDevice() : primitives_(*this) {}
  std::string name() const override { return "cpu:0 reference C++"; }

  std::shared_ptr<Buffer> alloc(size_t bytes) override {
    return std::make_shared<HostBuffer>(bytes);
  }

  void upload(Buffer& dst, const void* src, size_t bytes, size_t dst_offset) override {
    auto& host = checked(dst, bytes, dst_offset);
    if (bytes) std::memcpy(host.data() + dst_offset, src, bytes);
  }

  void download(const Buffer& src, void* dst, size_t bytes, size_t src_offset) override {
    auto& host = checked(const_cast<Buffer&>(src), bytes, src_offset);
    if (bytes) std::memcpy(dst, host.data() + src_offset, bytes);
  }

  void finish() override {}
  Primitives& primitives() override { return primitives_; }

 private:
  static HostBuffer& checked(Buffer& buffer, size_t bytes, size_t offset) {
    auto* host = dynamic_cast<HostBuffer*>(&buffer);
    if (!host) throw BackendError("cpu: buffer of another device");
    if (offset > host->size() || bytes > host->size() - offset) {
      throw BackendError("cpu: transfer of " + std::to_string(bytes) + " bytes at " +
                         std::to_string(offset) + " outside a buffer of " +
                         std::to_string(host->size()));
    }
    return *host;
  }

  CpuPrimitives primitives_;
};

class CpuBackend : public Backend {
 public:
  std::string name() const override { return "cpu"; }
  std::string numerics() const override { return "float16 and bfloat16 computed in f32"; }
  std::vector<DeviceInfo> devices() const override { return {{0, "cpu:0 reference C++"}}; }

  std::unique_ptr<Device> open(int index) const override {
    if (index != 0) throw BackendError("cpu: no device " + std::to_string(index) + " (only 0)");
    return std::make_unique<CpuDevice>();
  }

  const KernelTable& kernels() const override { return lowered_kernels(); }
};

}  // namespace
}  // namespace cpu

const Backend& cpu_backend() {
  static const cpu::CpuBackend backend;
  return backend;
}

}  // namespace tapml::backends
