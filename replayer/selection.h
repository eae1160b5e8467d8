// Which recorded calls to run. A trace is a tree of calls (a composite op
// and the ops it called). By default the replayer tests the outermost
// compute call the target supports and descends into its recorded children
// where the target has no kernel for it; with `leaves` it tests the innermost
// compute calls instead. A call is covered when the target supports it, or
// when it has compute children and all of them are covered.
//
// Coverage = covered roots / roots, where the roots are the outermost
// compute calls that pass the filter (the innermost ones with `leaves`).
// Nested calls never enter the denominator on their own: they count through
// the root they belong to.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "store/op_classes.h"
#include "store/op_pattern.h"

namespace tapml::replay {

struct CallNode {
  int64_t seq = 0;
  int64_t parent = -1;
  std::string op;  // full name, "aten::add.Tensor"
  store::OpClass op_class = store::OpClass::Compute;
  bool runnable = false;    // its values were captured and it is no duplicate
  std::string skip_reason;  // why not, when it is not runnable
  bool supported = false;   // the target has a kernel that accepts it
  std::string why_unsupported;
};

struct CallFilter {
  store::OpPattern op;  // store/op_pattern.h: the one rule for op patterns
  int64_t first = 0;    // seqs in [first, end)
  int64_t end = INT64_MAX;

  bool matches(const CallNode& node) const;
};

struct Plan {
  std::vector<int64_t> run;          // supported and runnable: run and compare
  std::vector<int64_t> skipped;      // supported but not runnable: covered, not run
  std::vector<int64_t> unsupported;  // no kernel and no compute children to descend into
  int64_t roots = 0;                 // the coverage denominator
  int64_t covered_roots = 0;
  // The root each planned call belongs to, and whether that root is
  // covered: a call the target declines when it runs (CallUnsupported)
  // uncovers its root.
  std::map<int64_t, int64_t> root_of;
  std::map<int64_t, bool> root_covered;
};

// `nodes` indexed by seq (nodes[i].seq == i).
Plan plan_replay(const std::vector<CallNode>& nodes, const CallFilter& filter, bool leaves);

}  // namespace tapml::replay
