// The subcommands of tapml-trace. Each returns the process exit code:
// 0 success, 1 the checked thing failed (verify), and throws TraceError or
// UsageError for bad input (main prints one line and exits 2).
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

#include "store/op_pattern.h"

namespace tapml::trace_cli {

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A half-open range of call seqs, "A:B", "A:" or ":B" (like Python slices).
struct CallRange {
  int64_t begin = 0;
  std::optional<int64_t> end;
  bool contains(int64_t seq) const { return seq >= begin && (!end || seq < *end); }
};
CallRange parse_call_range(const std::string& text);  // throws UsageError

struct Selection {
  std::string op_pattern;  // store/op_pattern.h; empty: every op
  std::optional<CallRange> range;
};
store::OpPattern op_pattern(const Selection& selection);  // throws UsageError
// Throws UsageError naming the selection when it chose no call.
void require_selected(size_t selected, size_t calls, const Selection& selection,
                      const std::string& path);

int cmd_info(const std::string& path, bool json);
int cmd_ops(const std::string& path, bool json);
int cmd_ls(const std::string& path, const Selection& selection, bool json);
int cmd_show(const std::string& path, int64_t seq, bool json);
int cmd_verify(const std::string& path, bool json, bool progress);
int cmd_subset(const std::string& in, const std::string& out, const Selection& selection,
               bool json);
int cmd_recover(const std::string& spool, std::string out, bool json);

}  // namespace tapml::trace_cli
