#include "gen/testing/case_runner.h"

#include <memory>
#include <optional>
#include <sstream>
#include <string>

#include "backends/target.h"
#include "gen/testing/settings.h"
#include "replayer/call_runner.h"
#include "replayer/compare.h"
#include "store/reader.h"

namespace tapml::testing {
namespace {

// The fixture, device and runner shared by every test of one process,
// opened by the first test (listing the tests opens nothing).
struct Session {
  std::unique_ptr<store::TraceReader> fixture;
  const backends::Backend* backend = nullptr;
  std::unique_ptr<backends::Device> device;
  replay::TolerancePolicy tolerance = replay::TolerancePolicy::defaults();
  std::unique_ptr<replay::CallRunner> runner;
  std::string error;  // why the session could not open; every test reports it
};

Session open_session(const Settings& s) {
  Session session;
  try {
    session.fixture = store::TraceReader::open(s.fixture);
    if (!s.tolerance_file.empty()) session.tolerance.load_file(s.tolerance_file);
    backends::OpenedTarget opened = backends::open_target(s.target, "--tapml-target", s.device);
    session.backend = opened.backend;
    session.device = std::move(opened.device);
    session.runner = std::make_unique<replay::CallRunner>(*session.fixture, *session.backend,
                                                          *session.device, session.tolerance);
  } catch (const std::exception& e) {
    session.error =
        std::string("cannot set up the ") + s.model + " suite on " + s.target + ": " + e.what();
  }
  return session;
}

Session& session() {
  static Session instance = open_session(settings());
  return instance;
}

std::string dims(const std::vector<int64_t>& sizes) {
  std::string out = "[";
  for (size_t i = 0; i < sizes.size(); ++i) out += (i ? ", " : "") + std::to_string(sizes[i]);
  return out + "]";
}

// The failure of one output, with every figure a person needs to judge it.
std::string describe_failure(const replay::OutputResult& out) {
  using replay::format_number;
  const replay::Comparison& c = out.comparison;
  const replay::Tolerance& t = out.tolerance;
  std::ostringstream s;
  s << "  output '" << out.name << "' " << dtype_name(out.dtype) << dims(out.sizes) << ": ";
  if (c.nonfinite_mismatches > 0) {
    s << c.nonfinite_mismatches << " NaN/Inf mismatches";
  } else {
    s << c.mismatches << " of " << c.elements << " elements out of tolerance";
  }
  s << "\n  worst element " << replay::format_index(c.worst_index, out.sizes) << " (flat "
    << c.worst_index << "): got " << format_number(c.worst_actual) << ", expected "
    << format_number(c.worst_expected) << "\n  ";
  if (t.exact) {
    s << "exact match required; max abs error " << format_number(c.max_abs);
  } else if (c.bound) {
    s << "each element within its forward error bound (" << replay::describe_bound(*c.bound)
      << "); bound at the worst element " << format_number(c.worst_threshold) << ", max abs error "
      << format_number(c.max_abs) << ", NMSE " << format_number(c.nmse);
  } else {
    s << "NMSE " << format_number(c.nmse) << " (at most " << format_number(t.nmse)
      << "), max abs error " << format_number(c.max_abs) << ", max rel error "
      << format_number(c.max_rel) << "; each element within " << format_number(t.atol) << " + "
      << format_number(t.rtol) << " * |expected|";
  }
  return s.str();
}

}  // namespace

CaseOutcome run_case(int64_t seq, const std::string& case_name) {
  using Kind = CaseOutcome::Kind;
  Session& s = session();
  if (!s.error.empty()) return {Kind::Fail, case_name + ": " + s.error};

  store::Call call;
  try {
    call = s.fixture->call(static_cast<size_t>(seq));
  } catch (const std::exception& e) {
    return {Kind::Fail, case_name + ": " + e.what()};
  }
  const std::string what = call.full_name() + ", case " + case_name + " (fixture call " +
                           std::to_string(seq) + ") on " + s.backend->name() + " (" +
                           s.device->name() + ")";
  std::optional<replay::CallResult> result;
  std::string skipped;
  try {
    result = s.runner->run(call, &skipped);
  } catch (const std::exception& e) {
    return {Kind::Fail, what + ": " + e.what()};
  }
  if (!result) return {Kind::Fail, what + ": the fixture lacks its values: " + skipped};
  switch (result->status) {
    case replay::Status::Pass:
      return {Kind::Pass, ""};
    case replay::Status::Unsupported:
      // A provider under development implements a few ops: the rest are not
      // its failures, but they must not pass either (--tapml-strict).
      return {settings().strict ? Kind::Fail : Kind::Skip,
              what + ": the target has no kernel for it: " + result->message};
    case replay::Status::Error:
      return {Kind::Fail, what + ": the kernel failed: " + result->message};
    case replay::Status::Internal:
      return {Kind::Fail, what + ": TapML itself failed (not the kernel): " + result->message};
    case replay::Status::Crash:  // in-process: never (CTest runs each case in its own process)
    case replay::Status::Timeout:
      return {Kind::Fail, what + ": " + result->message};
    case replay::Status::Fail:
    case replay::Status::Flaky:  // a suite runs each case once: never
      break;
  }
  std::string details;
  for (const replay::OutputResult& out : result->outputs) {
    if (!out.comparison.passed) details += "\n" + describe_failure(out);
  }
  return {Kind::Fail, what + ": " + result->message + details};
}

}  // namespace tapml::testing
