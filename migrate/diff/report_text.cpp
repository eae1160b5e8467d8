// The diff as text for a terminal.
#include <cstdio>

#include "migrate/diff/diff.h"
#include "migrate/diff/report_util.h"

namespace tapml::migrate {
namespace {

std::string row(const char* format, auto... args) {
  char buf[512];
  std::snprintf(buf, sizeof buf, format, args...);
  return buf;
}

}  // namespace

std::string diff_text(const DiffResult& r, size_t max_rows) {
  const Alignment& al = r.alignment;
  std::string out = "tapml-trace diff: " + r.ref_path + " (" + std::to_string(al.ref_calls) +
                    " calls) vs " + r.other_path + " (" + std::to_string(al.other_calls) +
                    " calls)";
  if (!r.model.empty()) out += ", model " + r.model;
  out += ", tolerance target " + r.target + "\n";
  out += "alignment:  " + alignment_line(al) + "\n";
  if (al.subtrees_differing > 0) {
    out += "            " + std::to_string(al.subtrees_differing) +
           " paired calls have different children (e.g. ref seq " +
           std::to_string(al.differing_examples.front().first) + " / other seq " +
           std::to_string(al.differing_examples.front().second) + "); their outputs are compared\n";
  }
  int64_t identical = 0, within = 0, beyond = 0;
  for (const CallDiff& c : r.calls) {
    identical += c.status == CallStatus::Identical;
    within += c.status == CallStatus::WithinTolerance;
    beyond += c.status == CallStatus::Beyond;
  }
  out +=
      row("compared:   %zu compute calls: %lld identical, %lld within tolerance, %lld beyond; "
          "%lld without captured outputs (%lld tensors read, %.1f s)\n",
          r.calls.size(), static_cast<long long>(identical), static_cast<long long>(within),
          static_cast<long long>(beyond), static_cast<long long>(r.not_compared),
          static_cast<long long>(r.tensors_read), r.seconds);
  if (r.first) {
    const CallDiff& c = r.calls[r.first->call_index];
    out += "first diverging call: " + call_label(c) + "\n";
    out += "            " + call_problem(c) + "\n";
    out += "            " + r.first->input_note +
           (r.first->inputs_identical ? " (this call itself computes differently)" : "") + "\n";
  } else {
    out += "first diverging call: none (every compared call within tolerance)\n";
  }
  out += "final outputs: " + final_line(r.final_outputs) + "\n";
  out += "token ids:  " + tokens_line(r.tokens) + "\n";

  out += "\nper module path (" + std::to_string(r.scopes.size()) + "):\n";
  out += row("  %-40s %9s %9s %8s %12s %12s\n", "module", "compared", "identical", "beyond",
             "max NMSE", "first beyond");
  for (const ScopeSummary& s : r.scopes) {
    out += row("  %-40s %9lld %9lld %8lld %12s %12s\n", s.scope.c_str(),
               static_cast<long long>(s.compared), static_cast<long long>(s.identical),
               static_cast<long long>(s.beyond), replay::format_number(s.max_nmse).c_str(),
               s.first_beyond_ref_seq < 0 ? "-" : std::to_string(s.first_beyond_ref_seq).c_str());
  }
  if (beyond > 0) {
    out += "\ncalls beyond tolerance (first " +
           std::to_string(std::min<int64_t>(beyond, static_cast<int64_t>(max_rows))) + " of " +
           std::to_string(beyond) + "):\n";
    size_t shown = 0;
    for (const CallDiff& c : r.calls) {
      if (c.status != CallStatus::Beyond || shown++ >= max_rows) continue;
      out += "  " + call_label(c) + ": " + call_error(c) + "\n";
    }
  }
  out += "\nverdict: " + r.verdict + "\n";
  return out;
}

}  // namespace tapml::migrate
