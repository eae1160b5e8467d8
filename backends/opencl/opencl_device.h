// An OpenCL device: one context, one in-order queue, buffers, and the
// primitive kernels built on it.
#pragma once

#include <CL/cl.h>

#include <memory>
#include <string>

#include "backends/backend.h"
#include "backends/primitives.h"

namespace tapml::backends::opencl {

class ProgramCache;

class ClBuffer : public Buffer {
 public:
  ClBuffer(cl_mem mem, size_t size) : mem_(mem), size_(size) {}
  ~ClBuffer() override;
  ClBuffer(const ClBuffer&) = delete;
  ClBuffer& operator=(const ClBuffer&) = delete;

  size_t size() const override { return size_; }
  cl_mem mem() const { return mem_; }

 private:
  cl_mem mem_;
  size_t size_;
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
  cl_context context_ = nullptr;
  cl_command_queue queue_ = nullptr;
  std::unique_ptr<ProgramCache> programs_;
  std::unique_ptr<Primitives> primitives_;
};

// The cl_mem behind a tensor of this backend; BackendError for another's.
cl_mem cl_mem_of(const Tensor& tensor);

}  // namespace tapml::backends::opencl
