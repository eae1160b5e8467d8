// Checking OpenCL status codes: every failing call becomes a BackendError
// naming the call and the code ("opencl: clCreateBuffer failed:
// CL_MEM_OBJECT_ALLOCATION_FAILURE (-4)").
#pragma once

#include <CL/cl.h>

#include <string>

namespace tapml::backends::opencl {

// "CL_OUT_OF_RESOURCES" for -5; "CL_ERROR_<n>" for codes it does not know.
std::string cl_error_name(cl_int code);

// Throws BackendError when code is not CL_SUCCESS.
void cl_check(cl_int code, const char* call);

}  // namespace tapml::backends::opencl
