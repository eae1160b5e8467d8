// What the offload mode is asked to do, read from the environment that
// tapml-record sets (TAPML_OFFLOAD_TARGET, TAPML_OFFLOAD_OPS, and for a
// target on a tapml-serve TAPML_OFFLOAD_REMOTE, TAPML_OFFLOAD_TOKEN_FILE) and checked
// against torch's operators and the target's kernel table before the program
// runs its first operator.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "backends/backend.h"
#include "store/op_pattern.h"

namespace tapml::offload {

inline constexpr const char* kTargetVariable = "TAPML_OFFLOAD_TARGET";
inline constexpr const char* kOpsVariable = "TAPML_OFFLOAD_OPS";
inline constexpr const char* kReportVariable = "TAPML_OFFLOAD_REPORT";
inline constexpr const char* kRemoteVariable = "TAPML_OFFLOAD_REMOTE";
inline constexpr const char* kTokenFileVariable = "TAPML_OFFLOAD_TOKEN_FILE";

// A request that cannot be served (unknown op, missing platform): one line.
class RequestError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct OffloadRequest {
  std::string target;                 // backend name: "vulkan", "opencl", "cpu"
  bool all_ops = false;               // "all": every op the target has a kernel for
  std::vector<store::OpPattern> ops;  // op patterns (store/op_pattern.h): "mm", "aten::add.Tensor"
  std::string ops_text;               // as given: "all" or the list
  std::string report_path;            // where the per-op counts go at exit; empty: nowhere
  std::string remote;                 // "HOST:PORT" of a tapml-serve running target; empty: local
  std::string token_file;             // its token; empty: TAPML_TOKEN

  // Whether a call of `full_name` ("aten::add.Tensor") is to be offloaded.
  bool selects(const std::string& full_name) const;
};

// The request in the environment, or nullopt-like empty target when offload
// is off. Throws RequestError for a bad list.
OffloadRequest request_from_environment();

// Throws RequestError naming the first pattern that matches no operator
// torch knows or no op the target has a kernel for.
void check_request(const OffloadRequest& request, const backends::Backend& backend);

}  // namespace tapml::offload
