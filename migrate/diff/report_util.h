// Phrases shared by the text and HTML reports of a diff.
#pragma once

#include <string>

#include "migrate/diff/diff.h"

namespace tapml::migrate {

inline std::string call_label(const CallDiff& c) {
  std::string s = "ref seq " + std::to_string(c.ref_seq) + " / other seq " +
                  std::to_string(c.other_seq) + " " + c.op;
  if (!c.scope.empty()) s += " in " + c.scope;
  return s;
}

// NMSE, or the count of differing elements of exact (integer) outputs.
inline std::string call_error(const CallDiff& c) {
  std::string s = "NMSE " + replay::format_number(c.nmse);
  if (c.exact_mismatches > 0) s += ", " + std::to_string(c.exact_mismatches) + " ints differ";
  return s;
}

// The first failure line among a call's outputs.
inline std::string call_problem(const CallDiff& c) {
  for (const TensorDiff& d : c.outputs) {
    if (!d.problem.empty() && !d.identical) return d.arg + ": " + d.problem;
  }
  return "";
}

inline std::string alignment_line(const Alignment& al) {
  if (al.complete) {
    return "the streams match to the end (" + std::to_string(al.aligned) + " calls paired)";
  }
  return "streams stop matching: " + al.stop_reason + " (" + std::to_string(al.aligned) +
         " calls paired before)";
}

inline std::string tokens_line(const TokenCheck& t) {
  if (!t.generation) return "no token ids (no generation calls found)";
  if (t.identical) return "identical (" + std::to_string(t.ref_ids.size()) + " ids)";
  const auto at = static_cast<size_t>(t.first_difference);
  auto id = [](const std::vector<int64_t>& ids, size_t i) {
    return i < ids.size() ? std::to_string(ids[i]) : std::string("(none)");
  };
  return "DIFFER from token " + std::to_string(at) + ": ref " + id(t.ref_ids, at) + ", other " +
         id(t.other_ids, at) + " (" + std::to_string(t.ref_ids.size()) + " vs " +
         std::to_string(t.other_ids.size()) + " ids)";
}

inline std::string final_line(const FinalOutputs& f) {
  if (!f.found) return "none found (no depth-0 compute call with captured floating outputs)";
  std::string s = f.passed ? "within" : "BEYOND";
  s += " the end-to-end tolerance, NMSE " + replay::format_number(f.nmse) + " over " +
       std::to_string(f.calls.size()) + " call(s), last " + call_label(f.calls.back());
  if (f.partial) s += " (streams stopped matching: last paired, not final)";
  return s;
}

}  // namespace tapml::migrate
