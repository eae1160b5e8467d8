// The WebGPU C API (webgpu.h, and wgpu-native's wgpu.h extensions), loaded
// at run time from wgpu-native's shared library: the one shipped in the
// pinned `wgpu` wheel of the project's environment (requirements.txt),
// copied beside TapML's libraries at build time (lib/libwgpu_native.so).
// Loaded, not linked: the library has no SONAME, and a machine without it
// still runs every other backend; `webgpu` then says in one line why it is
// unavailable. Every function TapML calls is in the table below; a library
// that lacks one is refused naming it.
#pragma once

#include <webgpu/webgpu.h>
#include <webgpu/wgpu.h>

#include <string>

namespace tapml::backends::webgpu {

#define TAPML_WGPU_FUNCTIONS(X)               \
  X(wgpuCreateInstance)                       \
  X(wgpuInstanceRelease)                      \
  X(wgpuInstanceEnumerateAdapters)            \
  X(wgpuInstanceProcessEvents)                \
  X(wgpuAdapterGetInfo)                       \
  X(wgpuAdapterInfoFreeMembers)               \
  X(wgpuAdapterGetLimits)                     \
  X(wgpuAdapterHasFeature)                    \
  X(wgpuAdapterRequestDevice)                 \
  X(wgpuAdapterRelease)                       \
  X(wgpuDeviceGetQueue)                       \
  X(wgpuDeviceRelease)                        \
  X(wgpuDeviceCreateBuffer)                   \
  X(wgpuDeviceCreateShaderModule)             \
  X(wgpuDeviceCreateComputePipeline)          \
  X(wgpuDeviceCreateBindGroup)                \
  X(wgpuDeviceCreateCommandEncoder)           \
  X(wgpuDevicePushErrorScope)                 \
  X(wgpuDevicePopErrorScope)                  \
  X(wgpuDevicePoll)                           \
  X(wgpuBufferRelease)                        \
  X(wgpuBufferMapAsync)                       \
  X(wgpuBufferGetConstMappedRange)            \
  X(wgpuBufferUnmap)                          \
  X(wgpuQueueWriteBuffer)                     \
  X(wgpuQueueSubmit)                          \
  X(wgpuQueueRelease)                         \
  X(wgpuShaderModuleRelease)                  \
  X(wgpuComputePipelineGetBindGroupLayout)    \
  X(wgpuComputePipelineRelease)               \
  X(wgpuBindGroupLayoutRelease)               \
  X(wgpuBindGroupRelease)                     \
  X(wgpuCommandEncoderBeginComputePass)       \
  X(wgpuCommandEncoderCopyBufferToBuffer)     \
  X(wgpuCommandEncoderFinish)                 \
  X(wgpuCommandEncoderRelease)                \
  X(wgpuCommandBufferRelease)                 \
  X(wgpuComputePassEncoderSetPipeline)        \
  X(wgpuComputePassEncoderSetBindGroup)       \
  X(wgpuComputePassEncoderDispatchWorkgroups) \
  X(wgpuComputePassEncoderEnd)                \
  X(wgpuComputePassEncoderRelease)

struct Api {
// A function's name is pasted into `&::name`: it cannot be parenthesised.
// NOLINTNEXTLINE(bugprone-macro-parentheses)
#define TAPML_WGPU_MEMBER(name) decltype(&::name) name = nullptr;
  TAPML_WGPU_FUNCTIONS(TAPML_WGPU_MEMBER)
#undef TAPML_WGPU_MEMBER
};

// The table, loaded on first use from lib/libwgpu_native.so beside TapML
// (or the file TAPML_WGPU_NATIVE names). Throws BackendError saying what is
// missing when it cannot be loaded.
const Api& api();

// "webgpu: ..." text of a WGPUStringView.
std::string text(WGPUStringView view);

}  // namespace tapml::backends::webgpu
