#include "replayer/selection.h"

#include <algorithm>

namespace tapml::replay {

bool CallFilter::matches(const CallNode& node) const {
  if (node.seq < first || node.seq >= end) return false;
  return op.matches(node.op);
}

namespace {

class Planner {
 public:
  Planner(const std::vector<CallNode>& nodes, const CallFilter& filter)
      : nodes_(nodes), filter_(filter), children_(nodes.size()) {
    for (const CallNode& node : nodes) {
      if (node.parent >= 0 && node.parent < static_cast<int64_t>(nodes.size()) &&
          node.parent != node.seq) {
        children_[static_cast<size_t>(node.parent)].push_back(node.seq);
      }
    }
  }

  bool is_candidate(const CallNode& node) const {
    return node.op_class == store::OpClass::Compute && filter_.matches(node);
  }

  // The nearest compute calls below `seq`, looking through non-compute calls
  // (aten::to -> aten::_to_copy -> aten::copy_).
  std::vector<int64_t> compute_children(int64_t seq) const {
    std::vector<int64_t> found;
    std::vector<int64_t> stack(children_[static_cast<size_t>(seq)].rbegin(),
                               children_[static_cast<size_t>(seq)].rend());
    while (!stack.empty()) {
      const int64_t child = stack.back();
      stack.pop_back();
      if (nodes_[static_cast<size_t>(child)].op_class == store::OpClass::Compute) {
        found.push_back(child);
        continue;
      }
      const auto& grand = children_[static_cast<size_t>(child)];
      stack.insert(stack.end(), grand.rbegin(), grand.rend());
    }
    return found;
  }

  std::vector<int64_t> outermost_roots() const {
    // A parent is recorded before its children, so one pass in seq order
    // knows whether any ancestor is already a root.
    std::vector<char> under_root(nodes_.size(), 0);
    std::vector<int64_t> roots;
    for (const CallNode& node : nodes_) {
      const size_t i = static_cast<size_t>(node.seq);
      if (node.parent >= 0 && node.parent < node.seq) {
        const CallNode& parent = nodes_[static_cast<size_t>(node.parent)];
        under_root[i] = under_root[static_cast<size_t>(node.parent)] || is_candidate(parent);
      }
      if (!under_root[i] && is_candidate(node)) roots.push_back(node.seq);
    }
    return roots;
  }

  std::vector<int64_t> leaf_roots() const {
    std::vector<int64_t> roots;
    for (const CallNode& node : nodes_) {
      if (is_candidate(node) && compute_children(node.seq).empty()) roots.push_back(node.seq);
    }
    return roots;
  }

  bool cover(int64_t seq, int64_t root, Plan& plan) const {
    const CallNode& node = nodes_[static_cast<size_t>(seq)];
    plan.root_of[seq] = root;
    if (node.supported) {
      (node.runnable ? plan.run : plan.skipped).push_back(seq);
      return true;
    }
    const std::vector<int64_t> kids = compute_children(seq);
    if (kids.empty()) {
      plan.unsupported.push_back(seq);
      return false;
    }
    bool all = true;
    for (int64_t kid : kids) all = cover(kid, root, plan) && all;
    return all;
  }

 private:
  const std::vector<CallNode>& nodes_;
  const CallFilter& filter_;
  std::vector<std::vector<int64_t>> children_;
};

}  // namespace

Plan plan_replay(const std::vector<CallNode>& nodes, const CallFilter& filter, bool leaves) {
  Planner planner(nodes, filter);
  Plan plan;
  const std::vector<int64_t> roots = leaves ? planner.leaf_roots() : planner.outermost_roots();
  plan.roots = static_cast<int64_t>(roots.size());
  for (int64_t root : roots) {
    const bool covered = planner.cover(root, root, plan);
    plan.root_covered[root] = covered;
    if (covered) ++plan.covered_roots;
  }
  for (auto* list : {&plan.run, &plan.skipped, &plan.unsupported}) {
    std::sort(list->begin(), list->end());
  }
  return plan;
}

}  // namespace tapml::replay
