#include "backends/opencl/program_cache.h"

#include <string>
#include <utility>

#include "backends/backend.h"
#include "backends/opencl/cl_error.h"
#include "backends/opencl/kernel_sources.h"

namespace tapml::backends::opencl {

ProgramCache::ProgramCache(cl_context context, cl_device_id device, std::string base_options)
    : context_(context), device_(device), base_options_(std::move(base_options)) {}

ProgramCache::~ProgramCache() {
  for (auto& [key, kernel] : kernels_) clReleaseKernel(kernel);
  for (auto& [key, program] : programs_) clReleaseProgram(program);
}

cl_kernel ProgramCache::kernel(std::string_view file, const std::string& options,
                               const char* kernel) {
  std::string program_key = std::string(file) + " " + options;
  std::string kernel_key = program_key + " " + kernel;
  if (auto found = kernels_.find(kernel_key); found != kernels_.end()) return found->second;

  auto program = programs_.find(program_key);
  if (program == programs_.end()) {
    program = programs_.emplace(program_key, build(file, options)).first;
  }
  cl_int status = CL_SUCCESS;
  cl_kernel made = clCreateKernel(program->second, kernel, &status);
  cl_check(status, "clCreateKernel");
  kernels_.emplace(kernel_key, made);
  return made;
}

cl_program ProgramCache::build(std::string_view file, const std::string& options) {
  std::string_view common = kernel_source("common");
  std::string_view body = kernel_source(file);
  if (body.empty()) throw BackendError("opencl: no kernel file kernels/" + std::string(file) + ".cl");
  const char* texts[] = {common.data(), body.data()};
  size_t lengths[] = {common.size(), body.size()};
  cl_int status = CL_SUCCESS;
  cl_program program = clCreateProgramWithSource(context_, 2, texts, lengths, &status);
  cl_check(status, "clCreateProgramWithSource");

  std::string all_options = "-cl-std=CL1.2 " + base_options_ + " " + options;
  status = clBuildProgram(program, 1, &device_, all_options.c_str(), nullptr, nullptr);
  if (status != CL_SUCCESS) {
    size_t log_size = 0;
    clGetProgramBuildInfo(program, device_, CL_PROGRAM_BUILD_LOG, 0, nullptr, &log_size);
    std::string log(log_size, '\0');
    clGetProgramBuildInfo(program, device_, CL_PROGRAM_BUILD_LOG, log_size, log.data(), nullptr);
    clReleaseProgram(program);
    while (!log.empty() && (log.back() == '\0' || log.back() == '\n')) log.pop_back();
    throw BackendError("opencl: clBuildProgram of kernels/" + std::string(file) + ".cl (" +
                       all_options + ") failed: " + cl_error_name(status) + "\n" + log);
  }
  return program;
}

}  // namespace tapml::backends::opencl
