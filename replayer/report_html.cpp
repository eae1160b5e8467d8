// A self-contained HTML report (inline CSS and SVG, nothing fetched): the
// summary, a histogram of log10 NMSE over every compared floating output, the
// per-op table, the failures and the unsupported calls.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include "replayer/markup.h"
#include "replayer/report.h"

namespace tapml::replay {
namespace {

constexpr size_t kMaxListed = 500;

std::string num(const char* format, double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, value);
  return buf;
}

constexpr const char* kStyle = R"(
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}
table{border-collapse:collapse}td,th{padding:2px 8px;border-bottom:1px solid #ddd;text-align:right}
td:first-child,th:first-child{text-align:left}th{background:#f3f3f3}
.pass{color:#1a7f37}.fail{color:#c62828;font-weight:bold}.unsup{color:#8a6d00}
.grid{display:grid;grid-template-columns:max-content auto;gap:2px 16px}
pre{background:#f7f7f7;padding:6px;white-space:pre-wrap;margin:2px 0 10px}
)";

// Histogram of log10(NMSE): one bar per decade from 1e-20 to 1e0, plus a bar
// for exact results (NMSE 0).
std::string histogram_svg(const Report& report) {
  constexpr int kLow = -20, kHigh = 0;
  std::vector<int64_t> bins(kHigh - kLow + 2, 0);  // [0]: exact; [k]: decade kLow + k - 1
  for (const CallResult& call : report.calls) {
    for (const OutputResult& o : call.outputs) {
      if (o.tolerance.exact) continue;
      const double nmse = o.comparison.nmse;
      if (nmse <= 0) {
        ++bins[0];
      } else {
        const int decade = std::clamp(static_cast<int>(std::floor(std::log10(nmse))), kLow, kHigh);
        ++bins[static_cast<size_t>(decade - kLow + 1)];
      }
    }
  }
  const int64_t top = std::max<int64_t>(1, *std::max_element(bins.begin(), bins.end()));
  const int bar = 28, height = 160, left = 40, base = height + 10;
  std::ostringstream svg;
  svg << "<svg width='" << left + bar * bins.size() + 20 << "' height='" << base + 40
      << "' font-size='10'>";
  for (size_t i = 0; i < bins.size(); ++i) {
    const double h =
        bins[i] == 0
            ? 0
            : std::max(1.0, height * static_cast<double>(bins[i]) / static_cast<double>(top));
    const size_t x = left + i * bar;
    const std::string label = i == 0 ? "0" : std::to_string(kLow + static_cast<int>(i) - 1);
    svg << "<rect x='" << x + 2 << "' y='" << num("%.1f", base - h) << "' width='" << bar - 4
        << "' height='" << num("%.1f", h) << "' fill='" << (i == 0 ? "#1a7f37" : "#3b6fb6")
        << "'><title>" << (i == 0 ? "exact" : "1e" + label) << ": " << bins[i]
        << " outputs</title></rect>";
    if (bins[i] > 0) {
      svg << "<text x='" << x + bar / 2 << "' y='" << num("%.1f", base - h - 3)
          << "' text-anchor='middle'>" << bins[i] << "</text>";
    }
    svg << "<text x='" << x + bar / 2 << "' y='" << base + 14 << "' text-anchor='middle'>"
        << (i == 0 ? "exact" : label) << "</text>";
  }
  svg << "<line x1='" << left << "' y1='" << base << "' x2='" << left + bar * bins.size()
      << "' y2='" << base << "' stroke='#444'/>";
  svg << "<text x='" << left << "' y='" << base + 32 << "'>log10(NMSE) of each compared floating "
      << "output (fp32 default bound: 1e-7)</text></svg>";
  return svg.str();
}

void summary_html(std::ostream& out, const Summary& s) {
  auto item = [&](const std::string& key, const std::string& value) {
    out << "<div>" << xml_escape(key) << "</div><div>" << xml_escape(value) << "</div>";
  };
  out << "<div class='grid'>";
  item("trace", s.trace);
  item("target", s.target + " (" + s.device + ")");
  if (!s.numerics.empty()) item("numerics", s.numerics);
  item("calls", std::to_string(s.calls) + ": " + std::to_string(s.passed) + " passed, " +
                    std::to_string(s.failed) + " failed, " + std::to_string(s.unsupported) +
                    " unsupported, " + std::to_string(s.errors) + " errors, " +
                    std::to_string(s.flaky) + " flaky" +
                    (s.crashed + s.timed_out > 0 ? ", " + std::to_string(s.crashed) + " crashed, " +
                                                       std::to_string(s.timed_out) + " timed out"
                                                 : ""));
  if (s.isolated) {
    item("isolation", "each call in a worker process; " + std::to_string(s.worker_restarts) +
                          " restarts after a crash or timeout");
  }
  if (s.repeat > 1) item("runs per call", std::to_string(s.repeat) + " (compared bitwise)");
  item("coverage", num("%.2f%%", 100 * s.coverage) + " (" + std::to_string(s.covered) + " of " +
                       std::to_string(s.roots) + " " + s.mode + " compute calls)");
  item("skipped", std::to_string(s.skipped) + " covered calls not run (duplicates, not captured)");
  item("throughput",
       num("%.1f calls/s, ", s.calls_per_second) + num("%.1f MB/s of inputs, ", s.mb_per_second) +
           num("kernel time %.3f s, ", s.kernel_seconds) + num("wall %.2f s", s.wall_seconds));
  out << "</div>";
}

void ops_html(std::ostream& out, const Report& report) {
  out << "<table><tr><th>op</th><th>calls</th><th>pass</th><th>fail</th><th>unsupported</th>"
         "<th>error</th><th>flaky</th><th>crash</th><th>skipped</th><th>worst NMSE</th><th>worst "
         "max abs</th>"
         "<th>kernel ms</th></tr>";
  for (const auto& [name, op] : report.ops) {
    const bool bad = bad_calls(op) > 0;
    out << "<tr><td class='"
        << (bad              ? "fail"
            : op.unsupported ? "unsup"
                             : "pass")
        << "'>" << xml_escape(name) << "</td><td>" << op.calls << "</td><td>" << op.passed
        << "</td><td>" << op.failed << "</td><td>" << op.unsupported << "</td><td>" << op.errors
        << "</td><td>" << op.flaky << "</td><td>" << op.crashed + op.timed_out << "</td><td>"
        << op.skipped << "</td><td>" << num("%.2e", op.worst_nmse) << "</td><td>"
        << num("%.2e", op.worst_max_abs) << "</td><td>" << num("%.3f", op.kernel_seconds * 1e3)
        << "</td></tr>";
  }
  out << "</table>";
}

void failures_html(std::ostream& out, const Report& report) {
  size_t listed = 0;
  for (const CallResult& call : report.calls) {
    if (!is_failure(call.status)) continue;
    if (listed++ == kMaxListed) {
      out << "<p>(more failures in the JSON report)</p>";
      break;
    }
    std::string inputs;
    for (const std::string& input : call.inputs) inputs += (inputs.empty() ? "" : "\n") + input;
    out << "<p><span class='fail'>" << status_name(call.status) << "</span> seq " << call.seq
        << " <b>" << xml_escape(call.op) << "</b>"
        << (call.scope.empty() ? "" : " in " + xml_escape(call.scope))
        << (call.case_name.suite.empty()
                ? ""
                : ", case " + xml_escape(occurrence_name(call.case_name, call.occurrence)))
        << "</p><pre>" << xml_escape(inputs) << "\n\n"
        << xml_escape(call.message) << "</pre>";
  }
  if (listed == 0) out << "<p class='pass'>none</p>";
}

void unsupported_html(std::ostream& out, const Report& report) {
  std::map<std::pair<std::string, std::string>, int64_t> reasons;
  for (const CallResult& call : report.calls) {
    if (call.status == Status::Unsupported) ++reasons[{call.op, call.message}];
  }
  if (reasons.empty()) {
    out << "<p class='pass'>none</p>";
    return;
  }
  out << "<table><tr><th>op</th><th>reason</th><th>calls</th></tr>";
  for (const auto& [key, count] : reasons) {
    out << "<tr><td>" << xml_escape(key.first) << "</td><td>" << xml_escape(key.second)
        << "</td><td>" << count << "</td></tr>";
  }
  out << "</table>";
}

}  // namespace

void write_html(const std::string& path, const Report& report) {
  std::ofstream out(path);
  const Summary& s = report.summary;
  out << "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'><title>tapml-replay "
      << xml_escape(s.target) << "</title><style>" << kStyle << "</style></head><body>";
  out << "<h1>tapml-replay on " << xml_escape(s.target) << ": "
      << (bad_calls(s) == 0
              ? "<span class='pass'>no failures</span>"
              : "<span class='fail'>" + std::to_string(bad_calls(s)) + " failures</span>")
      << "</h1>";
  summary_html(out, s);
  out << "<h2>Error distribution</h2>" << histogram_svg(report);
  out << "<h2>Per op</h2>";
  ops_html(out, report);
  out << "<h2>Failures, errors, flaky and crashed calls</h2>";
  failures_html(out, report);
  out << "<h2>Unsupported</h2>";
  unsupported_html(out, report);
  out << "</body></html>\n";
  if (!out) throw std::runtime_error("cannot write " + path);
}

}  // namespace tapml::replay
