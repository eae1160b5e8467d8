#include "replayer/schema_alias.h"

#include <gtest/gtest.h>

namespace tapml::replay {
namespace {

store::Call make_call(std::string name, std::string overload, std::string schema,
                      std::vector<std::string> inputs, size_t outputs) {
  store::Call call;
  call.name = std::move(name);
  call.overload = std::move(overload);
  call.schema = std::move(schema);
  for (auto& input : inputs) call.inputs.push_back({input, "", {}});
  for (size_t i = 0; i < outputs; ++i) call.outputs.push_back({"result", "", {}});
  return call;
}

TEST(SchemaAlias, InPlaceOpWritesSelfAndReturnsIt) {
  const auto info = alias_info(make_call(
      "aten::add_", "Tensor",
      "aten::add_.Tensor(Tensor(a!) self, Tensor other, *, Scalar alpha=1) -> Tensor(a!)",
      {"self", "other", "alpha"}, 1));
  EXPECT_EQ(info.input_written, (std::vector<bool>{true, false, false}));
  EXPECT_EQ(info.input_is_out, (std::vector<bool>{false, false, false}));
  EXPECT_EQ(info.output_alias, (std::vector<int>{0}));
}

TEST(SchemaAlias, OutArgumentsAreKeywordOnly) {
  const auto info = alias_info(make_call(
      "aten::max", "dim_max",
      "aten::max.dim_max(Tensor self, int dim, bool keepdim=False, *, Tensor(a!) max, "
      "Tensor(b!) max_values) -> (Tensor(a!) values, Tensor(b!) indices)",
      {"self", "dim", "keepdim", "max", "max_values"}, 2));
  EXPECT_EQ(info.input_written, (std::vector<bool>{false, false, false, true, true}));
  EXPECT_EQ(info.input_is_out, (std::vector<bool>{false, false, false, true, true}));
  EXPECT_EQ(info.output_alias, (std::vector<int>{3, 4}));
}

TEST(SchemaAlias, ViewsAndPureOpsWriteNothing) {
  const auto view = alias_info(make_call(
      "aten::transpose", "int", "aten::transpose.int(Tensor(a) self, int dim0, int dim1) -> Tensor(a)",
      {"self", "dim0", "dim1"}, 1));
  EXPECT_EQ(view.input_written, (std::vector<bool>{false, false, false}));
  EXPECT_EQ(view.output_alias, (std::vector<int>{-1}));
  const auto pure = alias_info(make_call(
      "aten::cat", "", "aten::cat(Tensor[] tensors, int dim=0) -> Tensor", {"tensors", "dim"}, 1));
  EXPECT_EQ(pure.output_alias, (std::vector<int>{-1}));
}

TEST(SchemaAlias, DefaultsWithCommasAndQuotesDoNotConfuseTheParser) {
  const auto info = alias_info(make_call(
      "aten::foo_", "",
      "aten::foo_(Tensor(a!) self, int[2] size=[1, 2], str mode=\"a,b\") -> Tensor(a!)",
      {"self", "size", "mode"}, 1));
  EXPECT_EQ(info.input_written, (std::vector<bool>{true, false, false}));
  EXPECT_EQ(info.output_alias, (std::vector<int>{0}));
}

TEST(SchemaAlias, WithoutSchemaTheNameDecides) {
  const auto in_place = alias_info(make_call("aten::mul_", "Tensor", "", {"self", "other"}, 1));
  EXPECT_EQ(in_place.output_alias, (std::vector<int>{0}));
  EXPECT_TRUE(in_place.input_written[0]);
  const auto out = alias_info(make_call("aten::mm", "out", "", {"self", "mat2", "out"}, 1));
  EXPECT_EQ(out.output_alias, (std::vector<int>{2}));
  EXPECT_TRUE(out.input_is_out[2]);
}

}  // namespace
}  // namespace tapml::replay
