#include "replayer/selection.h"

#include <gtest/gtest.h>

#include "store/op_classes.h"

namespace tapml::replay {
namespace {

// A small recorded tree:
//  0 aten::linear          (no kernel)
//  1   aten::t             (view)
//  2   aten::addmm         (kernel)
//  3 aten::to              (view class, computes through its children)
//  4   aten::_to_copy      (kernel)
//  5     aten::copy_       (kernel)
//  6 aten::weird           (no kernel, no children)
//  7 aten::layer_norm      (kernel)
//  8   aten::native_layer_norm (kernel)
//  9 aten::softmax         (kernel, duplicate: not runnable)
// 10 aten::composite       (no kernel)
// 11   aten::add           (kernel)
// 12   aten::odd           (no kernel)
std::vector<CallNode> tree() {
  struct Row {
    int64_t parent;
    const char* op;
    store::OpClass cls;
    bool supported;
    bool runnable;
  };
  const Row rows[] = {
      {-1, "aten::linear", store::OpClass::Compute, false, true},
      {0, "aten::t", store::OpClass::ViewOrMeta, false, true},
      {0, "aten::addmm", store::OpClass::Compute, true, true},
      {-1, "aten::to.dtype", store::OpClass::ViewOrMeta, false, true},
      {3, "aten::_to_copy", store::OpClass::Compute, true, true},
      {4, "aten::copy_", store::OpClass::Compute, true, true},
      {-1, "aten::weird", store::OpClass::Compute, false, true},
      {-1, "aten::layer_norm", store::OpClass::Compute, true, true},
      {7, "aten::native_layer_norm", store::OpClass::Compute, true, true},
      {-1, "aten::softmax.int", store::OpClass::Compute, true, false},
      {-1, "aten::composite", store::OpClass::Compute, false, true},
      {10, "aten::add.Tensor", store::OpClass::Compute, true, true},
      {10, "aten::odd", store::OpClass::Compute, false, true},
  };
  std::vector<CallNode> nodes;
  for (const Row& row : rows) {
    CallNode node;
    node.seq = static_cast<int64_t>(nodes.size());
    node.parent = row.parent;
    node.op = row.op;
    node.op_class = row.cls;
    node.supported = row.supported;
    node.runnable = row.runnable;
    if (!row.supported) node.why_unsupported = "no kernel";
    nodes.push_back(node);
  }
  return nodes;
}

TEST(Selection, OutermostSupportedCallsAndDescentIntoChildren) {
  const Plan plan = plan_replay(tree(), CallFilter{}, false);
  EXPECT_EQ(plan.run, (std::vector<int64_t>{2, 4, 7, 11}));
  EXPECT_EQ(plan.skipped, (std::vector<int64_t>{9}));
  EXPECT_EQ(plan.unsupported, (std::vector<int64_t>{6, 12}));
  // Roots: linear, _to_copy, weird, layer_norm, softmax, composite.
  EXPECT_EQ(plan.roots, 6);
  EXPECT_EQ(plan.covered_roots, 4);  // weird and composite (odd child) are not covered
}

TEST(Selection, LeavesModeTestsInnermostComputeCalls) {
  const Plan plan = plan_replay(tree(), CallFilter{}, true);
  EXPECT_EQ(plan.run, (std::vector<int64_t>{2, 5, 8, 11}));
  EXPECT_EQ(plan.unsupported, (std::vector<int64_t>{6, 12}));
  EXPECT_EQ(plan.roots, 7);  // addmm, copy_, weird, native_layer_norm, softmax, add, odd
  EXPECT_EQ(plan.covered_roots, 5);
}

TEST(Selection, OpFilterPicksOutermostMatchingCalls) {
  CallFilter filter;
  filter.op = store::OpPattern("aten::(native_layer_norm|copy_)", "--op");
  const Plan plan = plan_replay(tree(), filter, false);
  EXPECT_EQ(plan.run, (std::vector<int64_t>{5, 8}));
  EXPECT_EQ(plan.roots, 2);
  EXPECT_EQ(plan.covered_roots, 2);
}

TEST(Selection, SeqRangeFilter) {
  CallFilter filter;
  filter.first = 3;
  filter.end = 7;
  const Plan plan = plan_replay(tree(), filter, false);
  EXPECT_EQ(plan.run, (std::vector<int64_t>{4}));
  EXPECT_EQ(plan.unsupported, (std::vector<int64_t>{6}));
  EXPECT_EQ(plan.roots, 2);
}

// A call with no tensor in or out (a library's version query the program
// made) is not counted as a compute call it could not replay.
TEST(Selection, CallsWithoutTensorsAreMetadata) {
  store::Call query;
  query.name = "_torchaudio::cuda_version";
  store::Value version;
  version.kind = store::ValueKind::Int;
  version.i = 13;
  query.outputs.push_back({"result", "int", version});
  EXPECT_EQ(store::classify_call(query), store::OpClass::ViewOrMeta);

  store::Call arange = query;
  arange.name = "aten::arange";
  arange.outputs[0].value.kind = store::ValueKind::Tensor;
  EXPECT_EQ(store::classify_call(arange), store::OpClass::Compute);

  store::Call view = arange;
  view.name = "aten::view";
  EXPECT_EQ(store::classify_call(view), store::OpClass::ViewOrMeta);
}

}  // namespace
}  // namespace tapml::replay
