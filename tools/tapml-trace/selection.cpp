// The call selection of `ls` and `subset` (--op, --calls): parsed once, and
// a selection that chooses nothing is bad input, not an empty success.
#include <string>

#include "commands.h"

namespace tapml::trace_cli {

CallRange parse_call_range(const std::string& text) {
  const auto colon = text.find(':');
  auto number = [&](const std::string& part) -> std::optional<int64_t> {
    if (part.empty()) return std::nullopt;
    size_t used = 0;
    int64_t value = -1;
    try {
      value = std::stoll(part, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != part.size() || value < 0) {
      throw UsageError("--calls: '" + text + "' is not A:B with call numbers A, B >= 0");
    }
    return value;
  };
  if (colon == std::string::npos) {  // one call
    const auto seq = number(text);
    if (!seq) throw UsageError("--calls: empty range");
    return {*seq, *seq + 1};
  }
  return {number(text.substr(0, colon)).value_or(0), number(text.substr(colon + 1))};
}

store::OpPattern op_pattern(const Selection& selection) {
  try {
    return store::OpPattern(selection.op_pattern, "--op");
  } catch (const store::OpPatternError& e) {
    throw UsageError(e.what());
  }
}

void require_selected(size_t selected, size_t calls, const Selection& selection,
                      const std::string& path) {
  if (selected > 0) return;
  std::string what;
  if (!selection.op_pattern.empty()) what += "--op '" + selection.op_pattern + "'";
  if (selection.range) {
    what += std::string(what.empty() ? "" : " with ") + "--calls " +
            std::to_string(selection.range->begin) + ":" +
            (selection.range->end ? std::to_string(*selection.range->end) : "");
  }
  throw UsageError(path + ": " + (what.empty() ? "the selection" : what) + " selects none of its " +
                   std::to_string(calls) + " calls (tapml-trace ops lists its ops)");
}

}  // namespace tapml::trace_cli
