// The diff as one self-contained HTML page (inline CSS and SVG, nothing
// fetched): the verdict, a plot of each call's error against its index, the
// per-module table and the calls beyond tolerance.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "migrate/diff/diff.h"
#include "migrate/diff/report_util.h"
#include "replayer/markup.h"

namespace tapml::migrate {
namespace {

using replay::format_number;
using replay::xml_escape;

constexpr size_t kMaxListed = 500;
constexpr int kPlotWidth = 1000, kPlotHeight = 260, kLeft = 56, kTop = 12;
constexpr int kLowDecade = -16;  // NMSE below 1e-16 (and 0: identical) sits on the floor

constexpr const char* kStyle = R"(
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}
table{border-collapse:collapse}td,th{padding:2px 8px;border-bottom:1px solid #ddd;text-align:right}
td:first-child,th:first-child{text-align:left}th{background:#f3f3f3}
.pass{color:#1a7f37;font-weight:bold}.fail{color:#c62828;font-weight:bold}
.grid{display:grid;grid-template-columns:max-content auto;gap:2px 16px}
.bar{display:inline-block;height:9px;background:#5b8def;vertical-align:middle}
)";

double decade_of(double nmse) {
  if (!(nmse > 0)) return kLowDecade;
  return std::clamp(std::log10(nmse), static_cast<double>(kLowDecade), 2.0);
}

// One column per pixel bucket of call indices: the worst error in it, and
// whether a call in it is beyond tolerance (red). The first diverging call is
// a vertical line.
std::string error_plot(const DiffResult& r) {
  const int64_t span = std::max<int64_t>(1, r.alignment.ref_calls);
  double top = -8;
  for (const CallDiff& c : r.calls) top = std::max(top, std::ceil(decade_of(c.nmse)));
  const double low = kLowDecade;
  const auto x_of = [&](int64_t seq) {
    return kLeft +
           static_cast<double>(kPlotWidth) * static_cast<double>(seq) / static_cast<double>(span);
  };
  const auto y_of = [&](double decade) {
    return kTop + kPlotHeight * (top - decade) / (top - low);
  };
  std::vector<double> worst(kPlotWidth, -1000);
  std::vector<char> beyond(kPlotWidth, 0);
  for (const CallDiff& c : r.calls) {
    const auto b = std::min<int64_t>(kPlotWidth - 1, c.ref_seq * kPlotWidth / span);
    worst[static_cast<size_t>(b)] = std::max(worst[static_cast<size_t>(b)], decade_of(c.nmse));
    if (c.status == CallStatus::Beyond) beyond[static_cast<size_t>(b)] = 1;
  }
  std::ostringstream svg;
  svg << "<svg width='" << kLeft + kPlotWidth + 20 << "' height='" << kTop + kPlotHeight + 40
      << "' font-size='10' font-family='sans-serif'>";
  for (int d = static_cast<int>(low); d <= static_cast<int>(top); d += 2) {
    const double y = y_of(d);
    svg << "<line x1='" << kLeft << "' x2='" << kLeft + kPlotWidth << "' y1='" << y << "' y2='" << y
        << "' stroke='#eee'/><text x='" << kLeft - 4 << "' y='" << y + 3 << "' text-anchor='end'>"
        << (d == kLowDecade ? "&lt;=1e" : "1e") << d << "</text>";
  }
  for (int i = 0; i <= 4; ++i) {
    const int64_t seq = span * i / 4;
    svg << "<text x='" << x_of(seq) << "' y='" << kTop + kPlotHeight + 14
        << "' text-anchor='middle'>" << seq << "</text>";
  }
  svg << "<text x='" << kLeft + kPlotWidth / 2 << "' y='" << kTop + kPlotHeight + 30
      << "' text-anchor='middle'>call index (ref seq)</text>"
      << "<text x='12' y='" << kTop + kPlotHeight / 2 << "' transform='rotate(-90 12 "
      << kTop + kPlotHeight / 2 << ")' text-anchor='middle'>NMSE of outputs</text>";
  svg << "<polyline fill='none' stroke='#5b8def' stroke-width='1' points='";
  for (int b = 0; b < kPlotWidth; ++b) {
    if (worst[static_cast<size_t>(b)] > -1000)
      svg << kLeft + b << "," << y_of(worst[static_cast<size_t>(b)]) << " ";
  }
  svg << "'/>";
  for (int b = 0; b < kPlotWidth; ++b) {
    if (!beyond[static_cast<size_t>(b)]) continue;
    svg << "<circle cx='" << kLeft + b << "' cy='" << y_of(worst[static_cast<size_t>(b)])
        << "' r='2' fill='#c62828'/>";
  }
  if (r.first) {
    const CallDiff& c = r.calls[r.first->call_index];
    const double x = x_of(c.ref_seq);
    svg << "<line x1='" << x << "' x2='" << x << "' y1='" << kTop << "' y2='" << kTop + kPlotHeight
        << "' stroke='#c62828' stroke-dasharray='4 3'/><text x='" << x + 4 << "' y='" << kTop + 10
        << "' fill='#c62828'>first diverging: seq " << c.ref_seq << " " << xml_escape(c.op)
        << "</text>";
  }
  if (!r.alignment.complete && r.alignment.ref_stop >= 0) {
    const double x = x_of(r.alignment.ref_stop);
    svg << "<line x1='" << x << "' x2='" << x << "' y1='" << kTop << "' y2='" << kTop + kPlotHeight
        << "' stroke='#222'/><text x='" << x - 4 << "' y='" << kTop + 22
        << "' text-anchor='end'>streams stop matching</text>";
  }
  svg << "<rect x='" << kLeft << "' y='" << kTop << "' width='" << kPlotWidth << "' height='"
      << kPlotHeight << "' fill='none' stroke='#888'/></svg>";
  return svg.str();
}

std::string scope_table(const DiffResult& r) {
  std::ostringstream out;
  out << "<table><tr><th>module</th><th>compared</th><th>identical</th><th>beyond</th>"
         "<th>max NMSE</th><th></th><th>first beyond (ref seq)</th></tr>";
  for (const ScopeSummary& s : r.scopes) {
    const double width = 8 * (decade_of(s.max_nmse) - kLowDecade);
    out << "<tr><td>" << xml_escape(s.scope) << "</td><td>" << s.compared << "</td><td>"
        << s.identical << "</td><td" << (s.beyond ? " class='fail'" : "") << ">" << s.beyond
        << "</td><td>" << format_number(s.max_nmse) << "</td><td style='text-align:left'>"
        << "<span class='bar' style='width:" << width << "px'></span></td><td>"
        << (s.first_beyond_ref_seq < 0 ? "-" : std::to_string(s.first_beyond_ref_seq))
        << "</td></tr>";
  }
  out << "</table>";
  return out.str();
}

std::string beyond_table(const DiffResult& r) {
  std::ostringstream out;
  size_t listed = 0, total = 0;
  out << "<table><tr><th>ref seq</th><th>other seq</th><th>op</th><th>module</th><th>NMSE</th>"
         "<th>what</th></tr>";
  for (const CallDiff& c : r.calls) {
    if (c.status != CallStatus::Beyond) continue;
    if (++total > kMaxListed) continue;
    ++listed;
    out << "<tr><td>" << c.ref_seq << "</td><td>" << c.other_seq << "</td><td>" << xml_escape(c.op)
        << "</td><td>" << xml_escape(c.scope) << "</td><td>" << format_number(c.nmse)
        << "</td><td style='text-align:left'>" << xml_escape(call_problem(c)) << "</td></tr>";
  }
  out << "</table>";
  if (total > listed) out << "<p>" << listed << " of " << total << " listed.</p>";
  return total == 0 ? "<p>none</p>" : out.str();
}

}  // namespace

std::string diff_html(const DiffResult& r) {
  std::ostringstream out;
  const auto item = [&](const std::string& key, const std::string& value) {
    out << "<div>" << key << "</div><div>" << xml_escape(value) << "</div>";
  };
  out << "<!DOCTYPE html><html><head><meta charset='utf-8'><title>tapml-trace diff</title><style>"
      << kStyle << "</style></head><body><h1>tapml-trace diff</h1>";
  out << "<p class='" << (r.same ? "pass" : "fail") << "'>" << xml_escape(r.verdict) << "</p>";
  out << "<div class='grid'>";
  item("reference", r.ref_path + " (" + std::to_string(r.alignment.ref_calls) + " calls)");
  item("other", r.other_path + " (" + std::to_string(r.alignment.other_calls) + " calls)");
  item("model", r.model);
  item("tolerance target", r.target);
  item("alignment", alignment_line(r.alignment));
  if (r.first) {
    const CallDiff& c = r.calls[r.first->call_index];
    item("first diverging call", call_label(c));
    item("", call_problem(c));
    item("", r.first->input_note);
  } else {
    item("first diverging call", "none");
  }
  item("final outputs", final_line(r.final_outputs));
  item("token ids", tokens_line(r.tokens));
  out << "</div><h2>Error along the run</h2><p>Worst NMSE of each call's outputs (per pixel "
         "column); red: beyond the call's tolerance; identical outputs lie on the floor.</p>"
      << error_plot(r) << "<h2>Per module path</h2>" << scope_table(r)
      << "<h2>Calls beyond tolerance</h2>" << beyond_table(r) << "</body></html>\n";
  return out.str();
}

}  // namespace tapml::migrate
