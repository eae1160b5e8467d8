// The one op-pattern rule (store/op_pattern.h): whole-name matches against
// the full name, the name without overload, and both without namespace.
#include "store/op_pattern.h"

#include <gtest/gtest.h>

namespace tapml::store {
namespace {

TEST(OpPattern, EmptyMatchesEveryOp) {
  const OpPattern any;
  EXPECT_TRUE(any.matches_every_op());
  EXPECT_TRUE(any.matches("aten::add.Tensor"));
  EXPECT_TRUE(OpPattern("", "--op").matches("tapml::module_scope"));
}

TEST(OpPattern, ANameWithoutOverloadSelectsEveryOverload) {
  const OpPattern add("aten::add", "--op");
  EXPECT_TRUE(add.matches("aten::add.Tensor"));
  EXPECT_TRUE(add.matches("aten::add.out"));
  EXPECT_TRUE(add.matches("aten::add"));
  EXPECT_FALSE(add.matches("aten::addmm"));
  EXPECT_FALSE(add.matches("aten::add_.Tensor"));
  EXPECT_FALSE(add.matches("aten::_index_add.default"));
}

TEST(OpPattern, TheNamespaceMayBeLeftOut) {
  const OpPattern softmax("softmax", "--op");
  EXPECT_TRUE(softmax.matches("aten::softmax.int"));
  EXPECT_FALSE(softmax.matches("aten::_softmax"));
  EXPECT_FALSE(softmax.matches("aten::log_softmax.int"));
  EXPECT_TRUE(OpPattern("softmax.int", "--op").matches("aten::softmax.int"));
  EXPECT_FALSE(OpPattern("softmax.int", "--op").matches("aten::softmax.Dimname"));
}

TEST(OpPattern, AFullNameSelectsOneOverload) {
  const OpPattern add_tensor("aten::add.Tensor", "--op");
  EXPECT_TRUE(add_tensor.matches("aten::add.Tensor"));
  EXPECT_FALSE(add_tensor.matches("aten::add.Scalar"));
  EXPECT_FALSE(add_tensor.matches("aten::add.out"));
}

TEST(OpPattern, RegexesMatchWholeNamesOnly) {
  EXPECT_TRUE(OpPattern(".*softmax.*", "--op").matches("aten::_log_softmax.default"));
  EXPECT_TRUE(OpPattern("mm|addmm", "--op").matches("aten::addmm"));
  EXPECT_FALSE(OpPattern("mm|addmm", "--op").matches("aten::bmm"));
  EXPECT_FALSE(OpPattern("aten::", "--op").matches("aten::add.Tensor"));
  EXPECT_TRUE(OpPattern("aten::.*", "--op").matches("aten::add.Tensor"));
  EXPECT_FALSE(OpPattern("Softmax", "--op").matches("aten::softmax.int"));  // case matters
}

TEST(OpPattern, AnOverloadWithDotsKeepsItsNameApart) {
  EXPECT_TRUE(OpPattern("aten::sum", "--op").matches("aten::sum.IntList_out"));
  EXPECT_TRUE(OpPattern("sum.IntList_out", "--op").matches("aten::sum.IntList_out"));
  const OpNames names = op_names("aten::sum.IntList_out");
  EXPECT_EQ(names.name, "aten::sum");
  EXPECT_EQ(names.unqualified_full, "sum.IntList_out");
  EXPECT_EQ(names.unqualified_name, "sum");
  const OpNames bare = op_names("relu");
  EXPECT_EQ(bare.name, "relu");
  EXPECT_EQ(bare.unqualified_name, "relu");
}

TEST(OpPattern, AnInvalidPatternIsOneLineNamingWhereItCameFrom) {
  try {
    const OpPattern bad("aten::(mm", "include");
    FAIL() << "no error for " << bad.text();
  } catch (const OpPatternError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("include 'aten::(mm'"), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
  }
}

}  // namespace
}  // namespace tapml::store
