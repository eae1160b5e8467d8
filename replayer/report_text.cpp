// The terminal report: one row per op, totals, coverage, throughput, then
// the first failures with everything needed to find them in the trace.
#include <algorithm>
#include <cstdio>

#include "replayer/report.h"

namespace tapml::replay {
namespace {

std::string fixed(const char* format, double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, value);
  return buf;
}

std::string pad(const std::string& s, size_t width, bool left) {
  if (s.size() >= width) return s;
  return left ? s + std::string(width - s.size(), ' ') : std::string(width - s.size(), ' ') + s;
}

void row(std::ostream& out, const std::vector<std::string>& cells, size_t first_width) {
  static const size_t kWidths[] = {0, 7, 7, 6, 7, 7, 7, 7, 8, 11, 13, 11};
  for (size_t i = 0; i < cells.size(); ++i) {
    out << pad(cells[i], i == 0 ? first_width : kWidths[i], i == 0)
        << (i + 1 < cells.size() ? " " : "");
  }
  out << '\n';
}

std::vector<std::string> cells(const std::string& name, const OpSummary& op) {
  return {name,
          std::to_string(op.calls),
          std::to_string(op.passed),
          std::to_string(op.failed),
          std::to_string(op.unsupported),
          std::to_string(op.errors),
          std::to_string(op.flaky),
          std::to_string(op.crashed + op.timed_out),
          std::to_string(op.skipped),
          op.passed + op.failed + op.flaky > 0 ? fixed("%.2e", op.worst_nmse) : "-",
          op.passed + op.failed + op.flaky > 0 ? fixed("%.2e", op.worst_max_abs) : "-",
          fixed("%.3f", op.kernel_seconds * 1e3)};
}

}  // namespace

void write_text(std::ostream& out, const Report& report, size_t max_failures) {
  const Summary& s = report.summary;
  out << "tapml-replay " << s.trace << " on " << s.target << " (" << s.device << "), " << s.mode
      << " calls";
  if (s.repeat > 1) out << ", each run " << s.repeat << " times";
  out << "\n";
  if (!s.numerics.empty()) out << "numerics: " << s.numerics << "\n";
  out << "\n";
  size_t width = 5;
  for (const auto& [name, op] : report.ops) width = std::max(width, name.size());
  row(out,
      {"op", "calls", "pass", "fail", "unsup", "error", "flaky", "crash", "skipped", "worst NMSE",
       "worst maxabs", "kernel ms"},
      width);
  OpSummary total;
  for (const auto& [name, op] : report.ops) {
    row(out, cells(name, op), width);
    total.calls += op.calls, total.passed += op.passed, total.failed += op.failed;
    total.unsupported += op.unsupported, total.errors += op.errors, total.skipped += op.skipped;
    total.flaky += op.flaky, total.crashed += op.crashed, total.timed_out += op.timed_out;
    total.worst_nmse = std::max(total.worst_nmse, op.worst_nmse);
    total.worst_max_abs = std::max(total.worst_max_abs, op.worst_max_abs);
    total.kernel_seconds += op.kernel_seconds;
  }
  row(out, cells("total", total), width);

  out << "\ncoverage " << fixed("%.2f", 100 * s.coverage) << "% (" << s.covered << " of " << s.roots
      << " " << s.mode << " compute calls covered by " << s.target << " kernels)";
  if (s.skipped > 0) {
    out << "; " << s.skipped << " covered but not run (";
    bool first = true;
    for (const auto& [reason, count] : s.skipped_reasons) {
      out << (first ? "" : ", ") << reason << ": " << count;
      first = false;
    }
    out << ")";
  }
  if (s.internal > 0) {
    out << "\n"
        << s.internal
        << " calls INTERNAL: TapML itself failed on them (no verdict on the kernel; exit 3)";
  }
  if (s.crashed + s.timed_out > 0) {
    out << "\n"
        << s.crashed << " calls CRASH, " << s.timed_out
        << " TIMEOUT: the kernel killed or hung the worker process that ran it; "
        << s.worker_restarts << " worker restarts, the replay went on";
  }
  out << "\nthroughput: " << (s.passed + s.failed + s.errors + s.flaky) << " calls run in "
      << fixed("%.2f", s.wall_seconds) << " s: " << fixed("%.1f", s.calls_per_second)
      << " calls/s, " << fixed("%.1f", s.mb_per_second) << " MB/s of inputs; kernel time "
      << fixed("%.3f", s.kernel_seconds) << " s\n";
  if (s.stopped_early) out << "stopped at the first failure (--fail-fast)\n";

  size_t shown = 0;
  const int64_t bad = bad_calls(s);
  for (const CallResult& call : report.calls) {
    if (!is_failure(call.status)) continue;
    if (shown == 0) {
      out << "\nfailures (first " << std::min<int64_t>(bad, static_cast<int64_t>(max_failures))
          << " of " << bad << "):\n";
    }
    if (shown++ == max_failures) break;
    out << "  " << status_name(call.status) << " seq " << call.seq << " " << call.op;
    if (!call.replayed_as.empty()) out << " (replayed as " << call.replayed_as << ")";
    if (!call.scope.empty()) out << " in " << call.scope;
    if (!call.case_name.suite.empty()) {
      out << "\n    case " << occurrence_name(call.case_name, call.occurrence);
    }
    out << "\n    inputs: ";
    for (size_t i = 0; i < call.inputs.size(); ++i) out << (i ? ", " : "") << call.inputs[i];
    out << "\n    " << call.message << "\n";
  }
}

}  // namespace tapml::replay
