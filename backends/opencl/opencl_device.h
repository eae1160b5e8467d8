// An OpenCL device: one context, one in-order queue, buffers, and the
// primitive kernels built on it.
#pragma once

#include <CL/cl.h>

#include <memory>
#include <string>
#include <vector>

#include "backends/backend.h"
#include "backends/primitives.h"

namespace tapml::backends::opencl {

class ProgramCache;

// A buffer larger than the device allocates at once
// (CL_DEVICE_MAX_MEM_ALLOC_SIZE) is several cl_mems of chunk_bytes each, in
// order; a kernel's view must lie within one of them (the lowering cuts the
// work so that it does: backends/lowering/split_views.h).
class ClBuffer : public Buffer {
 public:
  ClBuffer(std::vector<cl_mem> chunks, size_t size, size_t chunk_bytes)
      : chunks_(std::move(chunks)), size_(size), chunk_bytes_(chunk_bytes) {}
  ~ClBuffer() override;
  ClBuffer(const ClBuffer&) = delete;
  ClBuffer& operator=(const ClBuffer&) = delete;

  size_t size() const override { return size_; }
  const std::vector<cl_mem>& chunks() const { return chunks_; }
  size_t chunk_bytes() const { return chunk_bytes_; }

 private:
  std::vector<cl_mem> chunks_;
  size_t size_;
  size_t chunk_bytes_;
};

class OpenCLDevice : public Device {
 public:
  // `name` is what name() reports ("opencl:0 <device> (<platform>)").
  OpenCLDevice(cl_device_id device, std::string name);
  ~OpenCLDevice() override;
  OpenCLDevice(const OpenCLDevice&) = delete;
  OpenCLDevice& operator=(const OpenCLDevice&) = delete;

  std::string name() const override { return name_; }
  std::shared_ptr<Buffer> alloc(size_t bytes) override;
  void upload(Buffer& dst, const void* src, size_t bytes, size_t dst_offset) override;
  void download(const Buffer& src, void* dst, size_t bytes, size_t src_offset) override;
  void finish() override;
  Primitives& primitives() override;
  size_t buffer_chunk_bytes() const override { return chunk_bytes_; }

  cl_context context() const { return context_; }
  cl_command_queue queue() const { return queue_; }
  cl_device_id id() const { return device_; }
  bool has_fp64() const { return has_fp64_; }
  bool is_cpu() const { return is_cpu_; }  // picks kernel designs made for CPUs
  ProgramCache& programs() { return *programs_; }

 private:
  cl_device_id device_;
  std::string name_;
  bool has_fp64_ = false;
  bool is_cpu_ = false;
  size_t chunk_bytes_ = 0;  // the largest allocation; larger buffers are chunked
  cl_context context_ = nullptr;
  cl_command_queue queue_ = nullptr;
  std::unique_ptr<ProgramCache> programs_;
  std::unique_ptr<Primitives> primitives_;
};

// The cl_mem a tensor's view lies in, and the view's element offset in it;
// BackendError for another backend's tensor or a view across two chunks.
struct ClView {
  cl_mem mem;
  int64_t offset;
};
ClView cl_view_of(const Tensor& tensor);

}  // namespace tapml::backends::opencl
