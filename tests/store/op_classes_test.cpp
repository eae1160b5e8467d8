// Which ops are compute (captured, replayed, counted in coverage) and which
// only touch metadata or produce undefined values (store/op_classes.h). A
// metadata op misclassed as compute hides a composite's real work: the
// replayer would descend into it and count the composite covered.
#include "store/op_classes.h"

#include <gtest/gtest.h>

namespace tapml::store {
namespace {

TEST(OpClasses, InPlaceMetadataOpsAreViewsNotCompute) {
  for (const char* op :
       {"aten::as_strided_", "aten::squeeze_", "aten::unsqueeze_", "aten::transpose_", "aten::t_",
        "aten::detach_", "aten::set_", "aten::mT", "aten::unfold"}) {
    EXPECT_EQ(classify_op(op), OpClass::ViewOrMeta) << op;
  }
}

TEST(OpClasses, InPlaceComputeOpsStayCompute) {
  for (const char* op : {"aten::add_", "aten::copy_", "aten::fill_", "aten::zero_",
                         "aten::index_put_", "aten::masked_fill_", "aten::mkldnn_convolution"}) {
    EXPECT_EQ(classify_op(op), OpClass::Compute) << op;
  }
}

TEST(OpClasses, UndefinedAndRandom) {
  EXPECT_EQ(classify_op("aten::resize_"), OpClass::Undefined);
  EXPECT_EQ(classify_op("aten::empty"), OpClass::Undefined);
  EXPECT_EQ(classify_op("aten::normal_"), OpClass::Random);
}

}  // namespace
}  // namespace tapml::store
