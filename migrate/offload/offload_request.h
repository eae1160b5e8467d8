// What the offload mode is asked to do, read from the environment that
// tapml-record sets (TAPML_OFFLOAD_TARGET, TAPML_OFFLOAD_OPS, for a
// target on a tapml-serve TAPML_OFFLOAD_REMOTE, TAPML_OFFLOAD_TOKEN_FILE, and
// for the per-call check TAPML_OFFLOAD_CHECK, TAPML_OFFLOAD_TOLERANCE) and
// checked against torch's operators and the target's kernel table before the
// program runs its first operator.
//
// An entry of offload_ops may be limited to some calls of its op by their
// ordinal among that op's calls (PATTERN@A:B): bisection over the calls of
// one op needs a name for a call that stays the same from one hybrid run to
// the next, and seqs do not (an offloaded call runs no CPU children).
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
inline constexpr const char* kCheckVariable = "TAPML_OFFLOAD_CHECK";
inline constexpr const char* kToleranceVariable = "TAPML_OFFLOAD_TOLERANCE";

// A request that cannot be served (unknown op, missing platform): one line.
class RequestError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One entry of offload_ops: an op pattern (store/op_pattern.h), and
// optionally the calls it matches by their ordinal, counted from 0 among the
// calls of every op it matches that reach the offload mode outside a call of
// the same op: "aten::mm@12" is call 12 alone, "aten::mm@0:64" calls 0 to
// 63, "aten::mm@64:" the rest.
struct OpSelector {
  store::OpPattern pattern;
  int64_t first = 0;
  int64_t end = -1;  // one past the last; -1: no end
  bool ranged() const { return first > 0 || end >= 0; }
  bool covers(int64_t ordinal) const { return ordinal >= first && (end < 0 || ordinal < end); }
};

// "aten::mm@0:64" as an OpSelector; throws RequestError naming `key`.
OpSelector parse_selector(const std::string& text, const std::string& key);

struct OffloadRequest {
  std::string target;           // backend name: "vulkan", "opencl", "cpu"
  bool all_ops = false;         // "all": every op the target has a kernel for
  std::vector<OpSelector> ops;  // "mm", "aten::add.Tensor", "aten::mm@0:64"
  std::string ops_text;         // as given: "all" or the list
  std::string report_path;      // where the per-op counts go at exit; empty: nowhere
  std::string remote;           // "HOST:PORT" of a tapml-serve running target; empty: local
  std::string token_file;       // its token; empty: TAPML_TOKEN
  // Check every offloaded call against the reference kernel on the same
  // inputs (shadow_check.h), judged by the tolerance policy (built-in rules
  // and, when set, the rules of tolerance_path).
  bool check = false;
  std::string tolerance_path;

  // Whether some calls of `full_name` ("aten::add.Tensor") may be offloaded.
  bool selects(const std::string& full_name) const;
  // The indices into `ops` of the entries whose pattern matches `full_name`.
  std::vector<int> selectors_of(const std::string& full_name) const;
};

// The request in the environment, or nullopt-like empty target when offload
// is off. Throws RequestError for a bad list.
OffloadRequest request_from_environment();

// Throws RequestError naming the first pattern that matches no operator
// torch knows or no op the target has a kernel for.
void check_request(const OffloadRequest& request, const backends::Backend& backend);

}  // namespace tapml::offload
