#include "backends/opencl/opencl_device.h"

#include <string>
#include <utility>

#include "backends/opencl/cl_error.h"
#include "backends/opencl/opencl_primitives.h"
#include "backends/opencl/program_cache.h"

namespace tapml::backends::opencl {
namespace {

std::string device_extensions(cl_device_id device) {
  size_t size = 0;
  cl_check(clGetDeviceInfo(device, CL_DEVICE_EXTENSIONS, 0, nullptr, &size), "clGetDeviceInfo");
  std::string extensions(size, '\0');
  cl_check(clGetDeviceInfo(device, CL_DEVICE_EXTENSIONS, size, extensions.data(), nullptr),
           "clGetDeviceInfo");
  return extensions;
}

const ClBuffer& cl_buffer(const Buffer& buffer) {
  const auto* cl = dynamic_cast<const ClBuffer*>(&buffer);
  if (cl == nullptr) throw BackendError("opencl: a buffer of another backend was passed");
  return *cl;
}

void check_range(const Buffer& buffer, size_t bytes, size_t offset, const char* what) {
  if (offset > buffer.size() || bytes > buffer.size() - offset) {
    throw BackendError(std::string("opencl: ") + what + " of " + std::to_string(bytes) +
                       " bytes at " + std::to_string(offset) + " exceeds a buffer of " +
                       std::to_string(buffer.size()));
  }
}

}  // namespace

ClBuffer::~ClBuffer() { clReleaseMemObject(mem_); }

OpenCLDevice::OpenCLDevice(cl_device_id device, std::string name)
    : device_(device), name_(std::move(name)) {
  has_fp64_ = device_extensions(device).find("cl_khr_fp64") != std::string::npos;
  cl_device_type type = 0;
  cl_check(clGetDeviceInfo(device, CL_DEVICE_TYPE, sizeof type, &type, nullptr), "clGetDeviceInfo");
  is_cpu_ = (type & CL_DEVICE_TYPE_CPU) != 0;
  cl_int status = CL_SUCCESS;
  context_ = clCreateContext(nullptr, 1, &device_, nullptr, nullptr, &status);
  cl_check(status, "clCreateContext");
  queue_ = clCreateCommandQueue(context_, device_, 0, &status);
  if (status != CL_SUCCESS) clReleaseContext(context_);
  cl_check(status, "clCreateCommandQueue");
  programs_ = std::make_unique<ProgramCache>(context_, device_, has_fp64_ ? "-DHAS_FP64" : "");
  primitives_ = std::make_unique<OpenCLPrimitives>(*this);
}

OpenCLDevice::~OpenCLDevice() {
  clFinish(queue_);
  primitives_.reset();
  programs_.reset();
  clReleaseCommandQueue(queue_);
  clReleaseContext(context_);
}

std::shared_ptr<Buffer> OpenCLDevice::alloc(size_t bytes) {
  cl_int status = CL_SUCCESS;
  // OpenCL has no empty buffers; an empty tensor still gets a real one.
  cl_mem mem = clCreateBuffer(context_, CL_MEM_READ_WRITE, bytes == 0 ? 1 : bytes, nullptr, &status);
  cl_check(status, "clCreateBuffer");
  return std::make_shared<ClBuffer>(mem, bytes);
}

void OpenCLDevice::upload(Buffer& dst, const void* src, size_t bytes, size_t dst_offset) {
  check_range(dst, bytes, dst_offset, "upload");
  if (bytes == 0) return;
  cl_check(clEnqueueWriteBuffer(queue_, cl_buffer(dst).mem(), CL_TRUE, dst_offset, bytes, src, 0,
                                nullptr, nullptr),
           "clEnqueueWriteBuffer");
}

void OpenCLDevice::download(const Buffer& src, void* dst, size_t bytes, size_t src_offset) {
  check_range(src, bytes, src_offset, "download");
  if (bytes == 0) return;
  cl_check(clEnqueueReadBuffer(queue_, cl_buffer(src).mem(), CL_TRUE, src_offset, bytes, dst, 0,
                               nullptr, nullptr),
           "clEnqueueReadBuffer");
}

void OpenCLDevice::finish() { cl_check(clFinish(queue_), "clFinish"); }

Primitives& OpenCLDevice::primitives() { return *primitives_; }

cl_mem cl_mem_of(const Tensor& tensor) {
  if (!tensor.buffer) throw BackendError("opencl: a tensor without a buffer was passed");
  return cl_buffer(*tensor.buffer).mem();
}

}  // namespace tapml::backends::opencl
