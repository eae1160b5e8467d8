// Kernels built at run time: kernels/common.cl + kernels/<file>.cl compiled
// once per device for each set of -D options, then kept.
#pragma once

#include <CL/cl.h>

#include <map>
#include <string>
#include <string_view>

namespace tapml::backends::opencl {

class ProgramCache {
 public:
  // `base_options` go to every build (e.g. -DHAS_FP64).
  ProgramCache(cl_context context, cl_device_id device, std::string base_options);
  ~ProgramCache();
  ProgramCache(const ProgramCache&) = delete;
  ProgramCache& operator=(const ProgramCache&) = delete;

  // Kernel `kernel` of kernels/<file>.cl built with `options`; a BackendError
  // carrying the build log when the build fails.
  cl_kernel kernel(std::string_view file, const std::string& options, const char* kernel);

 private:
  cl_program build(std::string_view file, const std::string& options);

  cl_context context_;
  cl_device_id device_;
  std::string base_options_;
  std::map<std::string, cl_program, std::less<>> programs_;
  std::map<std::string, cl_kernel, std::less<>> kernels_;
};

}  // namespace tapml::backends::opencl
