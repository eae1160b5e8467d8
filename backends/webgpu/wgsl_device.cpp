#include "backends/webgpu/wgsl_device.h"

#include <algorithm>
#include <cstddef>
#include <cstring>

#include "backends/webgpu/webgpu_primitives.h"

namespace tapml::backends::webgpu {

WgslDevice::WgslDevice() : primitives_(make_primitives(*this)) {}

WgslDevice::~WgslDevice() = default;

Primitives& WgslDevice::primitives() { return *primitives_; }

void WgslDevice::upload(Buffer& dst, const void* src, size_t bytes, size_t dst_offset) {
  if (bytes == 0) return;
  const size_t begin = dst_offset & ~size_t{3};
  const size_t end = round_up4(dst_offset + bytes);
  if (begin == dst_offset && end == dst_offset + bytes) {
    write_words(dst, src, bytes, dst_offset);
    return;
  }
  std::vector<std::byte> words(end - begin);
  read_words(dst, words.data(), words.size(), begin);
  std::memcpy(words.data() + (dst_offset - begin), src, bytes);
  write_words(dst, words.data(), words.size(), begin);
}

void WgslDevice::download(const Buffer& src, void* dst, size_t bytes, size_t src_offset) {
  if (bytes == 0) return;
  const size_t begin = src_offset & ~size_t{3};
  const size_t end = round_up4(src_offset + bytes);
  if (begin == src_offset && end == src_offset + bytes) {
    read_words(src, dst, bytes, src_offset);
    return;
  }
  std::vector<std::byte> words(end - begin);
  read_words(src, words.data(), words.size(), begin);
  std::memcpy(dst, words.data() + (src_offset - begin), bytes);
}

void WgslDevice::dispatch(const std::string& kernel, Params params,
                          const std::vector<const Tensor*>& tensors, uint32_t groups) {
  if (tensors.empty() || tensors.size() > static_cast<size_t>(kMaxTensors)) {
    throw BackendError("webgpu: " + kernel + ": 1 to 6 tensors, got " +
                       std::to_string(tensors.size()));
  }
  for (size_t t = 0; t < tensors.size(); ++t) {
    const Tensor& tensor = *tensors[t];
    if (tensor.rank() > kMaxRank) {
      throw BackendError("webgpu: rank " + std::to_string(tensor.rank()) + " > " +
                         std::to_string(kMaxRank));
    }
    TensorDesc& d = params.desc[t];
    d.dtype = static_cast<uint32_t>(tensor.dtype);
    d.offset = static_cast<uint32_t>(tensor.offset);
    d.rank = static_cast<uint32_t>(tensor.rank());
    d.numel = static_cast<uint32_t>(tensor.numel());
    for (size_t i = 0; i < tensor.sizes.size(); ++i) {
      d.sizes[i] = static_cast<uint32_t>(tensor.sizes[i]);
      d.strides[i] = static_cast<uint32_t>(tensor.strides[i]);
    }
  }
  if (params.n == 0) return;

  const std::shared_ptr<Buffer> param_buffer = alloc(sizeof(Params));
  upload(*param_buffer, &params, sizeof(Params), 0);
  const std::shared_ptr<Buffer> status = alloc(4);  // WebGPU zero-fills new buffers
  std::vector<const Buffer*> bindings = {param_buffer.get(), status.get(),
                                         tensors[0]->buffer.get()};
  // WebGPU forbids a buffer bound writable and readable in one dispatch: an
  // input that lives in the output's buffer is read from a copy of it.
  std::vector<std::shared_ptr<Buffer>> copies;
  for (size_t t = 1; t < tensors.size(); ++t) {
    const Buffer* source = tensors[t]->buffer.get();
    if (source == tensors[0]->buffer.get()) {
      copies.push_back(alloc(source->size()));
      copy(*source, *copies.back());
      source = copies.back().get();
    }
    bindings.push_back(source);
  }
  if (groups == 0) groups = (params.n + 255) / 256;
  run_pass(kernel, tensors.size() - 1, bindings, std::min<uint32_t>(groups, 65535));

  // Only a kernel touching int64 can mark the status: reading it waits for
  // the kernel, which the others are spared.
  const bool int64 = std::any_of(tensors.begin(), tensors.end(),
                                 [](const Tensor* t) { return t->dtype == DType::Int64; });
  if (!int64) return;
  uint32_t flags = 0;
  download(*status, &flags, 4, 0);
  if ((flags & 1u) != 0) {
    throw CallUnsupported("webgpu: " + kernel +
                          ": an int64 value outside int32's range (WGSL has no 64-bit "
                          "integers; TapML does not wrap it silently)");
  }
}

}  // namespace tapml::backends::webgpu
