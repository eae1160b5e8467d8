// What every device that runs TapML's WGSL kernels shares, whatever carries
// them to a GPU: wgpu-native in this process (webgpu_device.h) or a browser
// tab over a WebSocket (remote/browser/tab_device.h). The primitives
// (webgpu_primitives.h) are written once against it: they ask for a
// dispatch of a kernel of shaders/ over tensors, and this class lays out
// the kernel's parameters and tensor descriptors, binds them with a status
// word, reads an input that shares the output's buffer from a copy (WebGPU
// forbids a buffer bound writable and readable in one dispatch), and turns
// the status a kernel sets for an int64 beyond int32 into CallUnsupported.
// A platform supplies buffers, transfers and one compute pass.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "backends/backend.h"
#include "backends/primitives.h"
#include "backends/shader_tensor_desc.h"

namespace tapml::backends::webgpu {

inline constexpr int kMaxTensors = 6;

// TensorDesc in shaders/common.wgsl (backends/shader_tensor_desc.h, shared
// with Vulkan).
using TensorDesc = ShaderTensorDesc;

// Mirrors Params in shaders/common.wgsl.
struct Params {
  uint32_t n = 0;
  uint32_t m = 0;
  uint32_t k = 0;
  uint32_t flags = 0;
  float fa = 0;
  float fb = 0;
  int32_t ia = 0;
  int32_t ib = 0;
  TensorDesc desc[kMaxTensors] = {};
};

// What the WGSL kernels compute in (shaders/common.wgsl): reports print it.
inline constexpr const char* kWgslNumerics =
    "float16, bfloat16 and float64 computed in f32, rounded to nearest even on store; int64 "
    "in i32 (a value beyond int32 makes the call UNSUPPORTED); subnormals may flush to zero";

// WebGPU's buffers are copied and bound in 4-byte words.
inline size_t round_up4(size_t n) { return (n + 3) & ~size_t{3}; }

class WgslDevice : public Device {
 public:
  WgslDevice();
  ~WgslDevice() override;
  WgslDevice(const WgslDevice&) = delete;
  WgslDevice& operator=(const WgslDevice&) = delete;

  Primitives& primitives() override;
  // Any byte range: WebGPU writes and copies whole words at word offsets, so
  // a ragged range is widened to its words (the bytes around it read back
  // first for an upload).
  void upload(Buffer& dst, const void* src, size_t bytes, size_t dst_offset) final;
  void download(const Buffer& src, void* dst, size_t bytes, size_t src_offset) final;

  // Runs kernel `kernel` (a file of shaders/, without .wgsl) over `tensors`
  // (slot 0 the output, then the inputs): `groups` workgroups of 256, or by
  // default enough for `params.n` work items (kernels loop grid-stride).
  // Fills params.desc from the tensors. Throws BackendError with the
  // platform's message on a validation or device error, and CallUnsupported
  // when the kernel met an int64 outside i32's range.
  void dispatch(const std::string& kernel, Params params, const std::vector<const Tensor*>& tensors,
                uint32_t groups = 0);

 protected:
  // One compute pass of `kernel` built for `inputs` input tensors (its
  // source: kernel_source(kernel, inputs)) with `bindings` bound in order
  // (params, status, output, inputs) and `groups` workgroups.
  virtual void run_pass(const std::string& kernel, size_t inputs,
                        const std::vector<const Buffer*>& bindings, uint32_t groups) = 0;
  // Transfers of whole words: `offset` and `bytes` are multiples of 4.
  virtual void write_words(Buffer& dst, const void* src, size_t bytes, size_t offset) = 0;
  virtual void read_words(const Buffer& src, void* dst, size_t bytes, size_t offset) = 0;
  // Copies the whole of `from` into `to`, a buffer of the same size.
  virtual void copy(const Buffer& from, const Buffer& to) = 0;

 private:
  std::unique_ptr<Primitives> primitives_;
};

}  // namespace tapml::backends::webgpu
