#include "replayer/report.h"

#include <algorithm>
#include <cmath>

namespace tapml::replay {

std::string_view status_name(Status status) {
  switch (status) {
    case Status::Pass:
      return "PASS";
    case Status::Fail:
      return "FAIL";
    case Status::Unsupported:
      return "UNSUPPORTED";
    case Status::Error:
      return "ERROR";
    case Status::Flaky:
      return "FLAKY";
    case Status::Internal:
      return "INTERNAL";
    case Status::Crash:
      return "CRASH";
    case Status::Timeout:
      return "TIMEOUT";
  }
  return "?";
}

void tally(Report& report, const CallResult& result) {
  OpSummary& op = report.ops[result.op];
  Summary& summary = report.summary;
  ++op.calls;
  ++summary.calls;
  switch (result.status) {
    case Status::Pass:
      ++op.passed, ++summary.passed;
      break;
    case Status::Fail:
      ++op.failed, ++summary.failed;
      break;
    case Status::Unsupported:
      ++op.unsupported, ++summary.unsupported;
      break;
    case Status::Error:
      ++op.errors, ++summary.errors;
      break;
    case Status::Flaky:
      ++op.flaky, ++summary.flaky;
      break;
    case Status::Internal:
      ++op.internal, ++summary.internal;
      break;
    case Status::Crash:
      ++op.crashed, ++summary.crashed;
      break;
    case Status::Timeout:
      ++op.timed_out, ++summary.timed_out;
      break;
  }
  for (const OutputResult& output : result.outputs) {
    const Comparison& c = output.comparison;
    if (std::isfinite(c.nmse)) op.worst_nmse = std::max(op.worst_nmse, c.nmse);
    if (std::isfinite(c.max_abs)) op.worst_max_abs = std::max(op.worst_max_abs, c.max_abs);
  }
  op.kernel_seconds += result.kernel_seconds;
  summary.kernel_seconds += result.kernel_seconds;
  summary.input_bytes += static_cast<double>(result.input_bytes);
}

bool is_failure(Status status) {
  return status == Status::Fail || status == Status::Error || status == Status::Flaky ||
         status == Status::Internal || status == Status::Crash || status == Status::Timeout;
}

int64_t bad_calls(const Summary& s) {
  return s.failed + s.errors + s.flaky + s.internal + s.crashed + s.timed_out;
}

int64_t bad_calls(const OpSummary& op) {
  return op.failed + op.errors + op.flaky + op.internal + op.crashed + op.timed_out;
}

}  // namespace tapml::replay
