#include "backends/opencl/opencl_backend.h"

#include <CL/cl.h>

#include <string>
#include <vector>

#include "backends/lowering/lowering.h"
#include "backends/opencl/cl_error.h"
#include "backends/opencl/opencl_device.h"

namespace tapml::backends {
namespace opencl {
namespace {

constexpr cl_int kPlatformNotFound = -1001;  // CL_PLATFORM_NOT_FOUND_KHR, from the ICD loader

template <typename Id, typename Query>
std::string info_string(Id id, cl_uint param, Query query) {
  size_t size = 0;
  cl_check(query(id, param, 0, nullptr, &size), "clGet*Info");
  std::string text(size, '\0');
  cl_check(query(id, param, size, text.data(), nullptr), "clGet*Info");
  while (!text.empty() && text.back() == '\0') text.pop_back();
  return text;
}

struct FoundDevice {
  cl_device_id id;
  std::string name;  // "<device> (<platform>)"
};

// Every device of every platform, platforms in the ICD loader's order.
std::vector<FoundDevice> find_devices() {
  cl_uint platform_count = 0;
  cl_int status = clGetPlatformIDs(0, nullptr, &platform_count);
  if (status == kPlatformNotFound || (status == CL_SUCCESS && platform_count == 0)) {
    throw BackendError(
        "opencl: no OpenCL platform found (install pocl-opencl-icd for the CPU, or a GPU "
        "driver's ICD)");
  }
  cl_check(status, "clGetPlatformIDs");
  std::vector<cl_platform_id> platforms(platform_count);
  cl_check(clGetPlatformIDs(platform_count, platforms.data(), nullptr), "clGetPlatformIDs");

  std::vector<FoundDevice> found;
  for (cl_platform_id platform : platforms) {
    std::string platform_name = info_string(platform, CL_PLATFORM_NAME, clGetPlatformInfo);
    cl_uint device_count = 0;
    status = clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, 0, nullptr, &device_count);
    if (status == CL_DEVICE_NOT_FOUND || device_count == 0) continue;
    cl_check(status, "clGetDeviceIDs");
    std::vector<cl_device_id> ids(device_count);
    cl_check(clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, device_count, ids.data(), nullptr),
             "clGetDeviceIDs");
    for (cl_device_id id : ids) {
      found.push_back(
          {id, info_string(id, CL_DEVICE_NAME, clGetDeviceInfo) + " (" + platform_name + ")"});
    }
  }
  if (found.empty()) {
    throw BackendError("opencl: the OpenCL platforms offer no device (check the driver's ICD)");
  }
  return found;
}

class OpenCLBackend : public Backend {
 public:
  std::string name() const override { return "opencl"; }
  std::string numerics() const override { return "float16, bfloat16 and float64 computed in f32"; }

  std::vector<DeviceInfo> devices() const override {
    std::vector<DeviceInfo> infos;
    std::vector<FoundDevice> found = find_devices();
    for (size_t i = 0; i < found.size(); ++i) {
      int index = static_cast<int>(i);
      infos.push_back({index, device_name(index, found[i])});
    }
    return infos;
  }

  std::unique_ptr<Device> open(int index) const override {
    std::vector<FoundDevice> found = find_devices();
    if (index < 0 || static_cast<size_t>(index) >= found.size()) {
      throw BackendError("opencl: no device " + std::to_string(index) + " (devices 0 to " +
                         std::to_string(found.size() - 1) + ")");
    }
    const FoundDevice& device = found[static_cast<size_t>(index)];
    return std::make_unique<OpenCLDevice>(device.id, device_name(index, device));
  }

  const KernelTable& kernels() const override { return lowered_kernels(); }

 private:
  static std::string device_name(int index, const FoundDevice& device) {
    return "opencl:" + std::to_string(index) + " " + device.name;
  }
};

}  // namespace
}  // namespace opencl

const Backend& opencl_backend() {
  static const opencl::OpenCLBackend backend;
  return backend;
}

}  // namespace tapml::backends
