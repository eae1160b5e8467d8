#include "backends/opencl/opencl_device.h"

#include <algorithm>
#include <cstddef>
#include <cstdlib>
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

ClBuffer::~ClBuffer() {
  for (cl_mem chunk : chunks_) clReleaseMemObject(chunk);
}

OpenCLDevice::OpenCLDevice(cl_device_id device, std::string name)
    : device_(device), name_(std::move(name)) {
  has_fp64_ = device_extensions(device).find("cl_khr_fp64") != std::string::npos;
  cl_device_type type = 0;
  cl_check(clGetDeviceInfo(device, CL_DEVICE_TYPE, sizeof type, &type, nullptr), "clGetDeviceInfo");
  is_cpu_ = (type & CL_DEVICE_TYPE_CPU) != 0;
  cl_ulong max_alloc = 0;
  cl_check(
      clGetDeviceInfo(device, CL_DEVICE_MAX_MEM_ALLOC_SIZE, sizeof max_alloc, &max_alloc, nullptr),
      "clGetDeviceInfo");
  // TAPML_OPENCL_MAX_ALLOC_BYTES lowers it, so that tests chunk buffers here.
  if (const char* text = std::getenv("TAPML_OPENCL_MAX_ALLOC_BYTES"); text && *text) {
    const unsigned long long lowered = std::strtoull(text, nullptr, 10);
    if (lowered > 0 && lowered < max_alloc) max_alloc = lowered;
  }
  // Chunks start on 4 KiB boundaries: every element and most rows stay whole.
  chunk_bytes_ = std::max<size_t>(max_alloc / 4096 * 4096, 4096);
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
  std::vector<cl_mem> chunks;
  // OpenCL has no empty buffers; an empty tensor still gets a real one.
  for (size_t first = 0; first < std::max<size_t>(bytes, 1); first += chunk_bytes_) {
    cl_int status = CL_SUCCESS;
    const size_t size = std::max<size_t>(std::min(chunk_bytes_, bytes - std::min(bytes, first)), 1);
    cl_mem mem = clCreateBuffer(context_, CL_MEM_READ_WRITE, size, nullptr, &status);
    if (status != CL_SUCCESS) {
      for (cl_mem chunk : chunks) clReleaseMemObject(chunk);
    }
    cl_check(status, "clCreateBuffer");
    chunks.push_back(mem);
  }
  return std::make_shared<ClBuffer>(std::move(chunks), bytes, chunk_bytes_);
}

// Calls fn(chunk, offset in it, bytes, offset in the transfer) for each
// chunk that [offset, offset + bytes) of `buffer` touches.
template <typename Fn>
void for_each_chunk(const ClBuffer& buffer, size_t offset, size_t bytes, Fn fn) {
  const size_t chunk = buffer.chunk_bytes();
  for (size_t done = 0; done < bytes;) {
    const size_t at = offset + done;
    const size_t in_chunk = at % chunk;
    const size_t length = std::min(bytes - done, chunk - in_chunk);
    fn(buffer.chunks()[at / chunk], in_chunk, length, done);
    done += length;
  }
}

void OpenCLDevice::upload(Buffer& dst, const void* src, size_t bytes, size_t dst_offset) {
  check_range(dst, bytes, dst_offset, "upload");
  for_each_chunk(
      cl_buffer(dst), dst_offset, bytes, [&](cl_mem mem, size_t at, size_t length, size_t done) {
        cl_check(
            clEnqueueWriteBuffer(queue_, mem, CL_TRUE, at, length,
                                 static_cast<const std::byte*>(src) + done, 0, nullptr, nullptr),
            "clEnqueueWriteBuffer");
      });
}

void OpenCLDevice::download(const Buffer& src, void* dst, size_t bytes, size_t src_offset) {
  check_range(src, bytes, src_offset, "download");
  for_each_chunk(
      cl_buffer(src), src_offset, bytes, [&](cl_mem mem, size_t at, size_t length, size_t done) {
        cl_check(clEnqueueReadBuffer(queue_, mem, CL_TRUE, at, length,
                                     static_cast<std::byte*>(dst) + done, 0, nullptr, nullptr),
                 "clEnqueueReadBuffer");
      });
}

void OpenCLDevice::finish() { cl_check(clFinish(queue_), "clFinish"); }

Primitives& OpenCLDevice::primitives() { return *primitives_; }

ClView cl_view_of(const Tensor& tensor) {
  if (!tensor.buffer) throw BackendError("opencl: a tensor without a buffer was passed");
  const ClBuffer& buffer = cl_buffer(*tensor.buffer);
  if (buffer.chunks().size() == 1) return {buffer.chunks()[0], tensor.offset};
  const auto element = static_cast<int64_t>(dtype_size(tensor.dtype));
  int64_t last = tensor.offset;
  for (size_t d = 0; d < tensor.sizes.size(); ++d) {
    if (tensor.sizes[d] > 0) last += (tensor.sizes[d] - 1) * tensor.strides[d];
  }
  const auto chunk = static_cast<int64_t>(buffer.chunk_bytes());
  const int64_t first_chunk = tensor.offset * element / chunk;
  if ((last * element + element - 1) / chunk != first_chunk) {
    throw BackendError("opencl: a view of elements " + std::to_string(tensor.offset) + " to " +
                       std::to_string(last) + " crosses two of its buffer's allocations of " +
                       std::to_string(chunk) + " bytes");
  }
  return {buffer.chunks()[static_cast<size_t>(first_chunk)],
          tensor.offset - first_chunk * chunk / element};
}

}  // namespace tapml::backends::opencl
