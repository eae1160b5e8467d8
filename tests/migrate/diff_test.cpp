// diff_traces on small synthetic traces: alignment, the first diverging call,
// per-module summary, final outputs, token ids and the verdict.
#include "migrate/diff/diff.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "diff_synthetic.h"
#include "migrate/diff/scope_group.h"

namespace tapml::migrate {
namespace {

using testing::SynthCall;

class DiffTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::fresh_test_dir("diff_");
    program_ = testing::sample_program();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  DiffResult diff(const std::vector<SynthCall>& other, const DiffOptions& options = {},
                  const std::string& other_model = "synthetic") {
    const std::string a = (dir_ / "ref.h5").string(), b = (dir_ / "other.h5").string();
    testing::write_trace(a, program_);
    testing::write_trace(b, other, other_model);
    return diff_traces(*store::TraceReader::open(a), *store::TraceReader::open(b), options);
  }
  size_t index_of(const std::string& op, const std::string& scope, int nth = 0) const {
    for (size_t i = 0; i < program_.size(); ++i) {
      if (program_[i].op == op && program_[i].scope == scope && nth-- == 0) return i;
    }
    throw std::runtime_error("no such call");
  }

  std::filesystem::path dir_;
  std::vector<SynthCall> program_;
};

TEST_F(DiffTest, IdenticalRunsReadNoTensorAndAreSame) {
  const DiffResult r = diff(program_);
  EXPECT_TRUE(r.same) << r.verdict;
  EXPECT_EQ(r.exit_code(), 0);
  EXPECT_TRUE(r.alignment.complete);
  EXPECT_EQ(r.alignment.aligned, static_cast<int64_t>(program_.size()));
  EXPECT_EQ(r.tensors_read, 4);  // only the token ids are decoded
  for (const CallDiff& c : r.calls) EXPECT_EQ(c.status, CallStatus::Identical) << c.op;
  EXPECT_FALSE(r.first);
  ASSERT_TRUE(r.tokens.generation);
  EXPECT_EQ(r.tokens.ref_ids, (std::vector<int64_t>{3, 10}));
  EXPECT_TRUE(r.final_outputs.found);
  EXPECT_EQ(r.final_outputs.calls.back().op, "aten::linear");  // logits, not the int argmax
}

TEST_F(DiffTest, NamesTheInnermostFirstDivergenceAndItsModule) {
  auto other = program_;
  // layer 1's addmm (a child of linear) goes wrong in the first step; the
  // error flows into everything after it.
  const size_t addmm = index_of("aten::addmm", "model.layers.1.mlp.up_proj");
  for (size_t i = addmm - 1; i < other.size(); ++i) {
    for (float& v : other[i].values) v *= 1.01f;
  }
  const DiffResult r = diff(other);
  ASSERT_TRUE(r.first);
  const CallDiff& first = r.calls[r.first->call_index];
  EXPECT_EQ(first.ref_seq, static_cast<int64_t>(addmm));  // the child, not its parent linear
  EXPECT_EQ(first.op, "aten::addmm");
  EXPECT_EQ(first.status, CallStatus::Beyond);
  EXPECT_NEAR(first.nmse, 1e-4, 2e-6);
  EXPECT_TRUE(r.first->inputs_identical);
  EXPECT_FALSE(r.same);
  EXPECT_EQ(r.exit_code(), 1);
  EXPECT_FALSE(r.final_outputs.passed);
  EXPECT_NE(r.verdict.find("final outputs beyond"), std::string::npos) << r.verdict;
  // Per module path: layer 0 clean, layer 1 is where it starts.
  std::map<std::string, ScopeSummary> by_scope;
  for (const ScopeSummary& s : r.scopes) by_scope[s.scope] = s;
  EXPECT_EQ(by_scope.at("model.layers.0").beyond, 3);  // the second step's, after the error
  EXPECT_EQ(by_scope.at("model.layers.1").first_beyond_ref_seq, static_cast<int64_t>(addmm) - 1);
  EXPECT_EQ(by_scope.at("model.embed_tokens").beyond, 1);
}

TEST_F(DiffTest, TinyDifferencesAreWithinTolerance) {
  auto other = program_;
  other[index_of("aten::gelu", "model.layers.2.mlp")].values[0] *= 1.0000002f;
  const DiffResult r = diff(other);
  EXPECT_TRUE(r.same) << r.verdict;
  int within = 0;
  for (const CallDiff& c : r.calls) within += c.status == CallStatus::WithinTolerance;
  EXPECT_EQ(within, 1);
  EXPECT_FALSE(r.first);
}

TEST_F(DiffTest, DifferentTokenIdsDiverge) {
  auto other = program_;
  other.back().ints = {11};
  const DiffResult r = diff(other);
  EXPECT_FALSE(r.tokens.identical);
  EXPECT_EQ(r.tokens.first_difference, 1);
  EXPECT_EQ(r.tokens.other_ids, (std::vector<int64_t>{3, 11}));
  EXPECT_EQ(r.exit_code(), 1);
  ASSERT_TRUE(r.first);
  EXPECT_EQ(r.calls[r.first->call_index].op, "aten::argmax");
}

TEST_F(DiffTest, AnOffloadedCallWithoutItsChildrenStillAligns) {
  auto other = program_;
  other.erase(other.begin() +
              static_cast<long>(index_of("aten::addmm", "model.layers.0.mlp.up_proj")));
  const DiffResult r = diff(other);
  EXPECT_TRUE(r.alignment.complete);
  EXPECT_EQ(r.alignment.subtrees_differing, 1);
  EXPECT_EQ(r.alignment.aligned, static_cast<int64_t>(program_.size()) - 1);
  EXPECT_TRUE(r.same) << r.verdict;
}

TEST_F(DiffTest, SaysWhereTheStreamsStopMatching) {
  auto other = program_;
  const size_t second_step = index_of("aten::embedding", "model.embed_tokens", 1);
  other.insert(other.begin() + static_cast<long>(second_step),
               SynthCall{"aten::exp", 0, "", {1, 2}, {}});
  const DiffResult r = diff(other);
  EXPECT_FALSE(r.alignment.complete);
  EXPECT_EQ(r.alignment.ref_stop, static_cast<int64_t>(second_step));
  EXPECT_EQ(r.alignment.other_stop, static_cast<int64_t>(second_step));
  EXPECT_NE(r.alignment.stop_reason.find("aten::exp"), std::string::npos);
  EXPECT_TRUE(r.final_outputs.partial);
  EXPECT_EQ(r.exit_code(), 1);
}

TEST_F(DiffTest, ATruncatedRunStopsWhereItEnds) {
  auto other = program_;
  other.resize(other.size() - 2);
  const DiffResult r = diff(other);
  EXPECT_FALSE(r.alignment.complete);
  EXPECT_EQ(r.alignment.other_stop, -1);
  EXPECT_EQ(r.alignment.ref_stop, static_cast<int64_t>(program_.size()) - 2);
  EXPECT_NE(r.alignment.stop_reason.find("the other trace ends"), std::string::npos);
}

TEST_F(DiffTest, TracesOfDifferentProgramsAreBadInput) {
  EXPECT_THROW(diff(program_, {}, "another model"), DiffInputError);
  auto other = program_;
  other[0].op = "aten::zeros";
  EXPECT_THROW(diff(other), DiffInputError);
  DiffOptions options;
  options.final_op = "(";
  EXPECT_THROW(diff(program_, options), DiffInputError);
}

TEST_F(DiffTest, ChosenFinalOpAndEndToEndToleranceFromTheFile) {
  auto other = program_;
  for (float& v : other[other.size() - 2].values) v *= 1.003f;  // logits of step 2: NMSE 9e-6
  DiffOptions options;
  options.final_op = "aten::linear";
  DiffResult r = diff(other, options);
  EXPECT_TRUE(r.final_outputs.passed);
  EXPECT_TRUE(r.same) << r.verdict;  // the tokens are still right
  ASSERT_TRUE(r.first);
  replay::ToleranceRule strict;
  strict.op = kEndToEndOp;
  strict.nmse = 1e-8;
  options.tolerance.add(strict);
  r = diff(other, options);
  EXPECT_FALSE(r.final_outputs.passed);
  EXPECT_EQ(r.exit_code(), 1);
}

TEST_F(DiffTest, ReportsCarryTheFindings) {
  auto other = program_;
  for (float& v : other[index_of("aten::gelu", "model.layers.1.mlp")].values) v += 0.5f;
  for (float& v : other[index_of("aten::linear", "lm_head", 1)].values) v += 0.5f;
  const DiffResult r = diff(other);
  const auto json = nlohmann::json::parse(diff_json(r));
  EXPECT_EQ(json["exit_code"], 1);
  EXPECT_EQ(json["first_divergence"]["op"], "aten::gelu");
  EXPECT_EQ(json["calls"].size(), r.calls.size());
  EXPECT_EQ(json["tokens"]["identical"], true);
  const std::string html = diff_html(r);
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("first diverging: seq"), std::string::npos);
  const std::string text = diff_text(r);
  EXPECT_NE(text.find("first diverging call: ref seq"), std::string::npos);
  EXPECT_NE(text.find("model.layers.1"), std::string::npos);
}

TEST(ScopeGroup, KeepsModulePathsUpToTheLayerIndex) {
  EXPECT_EQ(scope_group("model.layers.3.mlp.down_proj", 0), "model.layers.3");
  EXPECT_EQ(scope_group("0.auto_model.encoder.layer.5.output.dense", 0),
            "0.auto_model.encoder.layer.5");
  EXPECT_EQ(scope_group("0.auto_model.embeddings", 0), "0.auto_model.embeddings");
  EXPECT_EQ(scope_group("lm_head", 0), "lm_head");
  EXPECT_EQ(scope_group("", 0), kTopLevelScope);
  EXPECT_EQ(scope_group("model.layers.3.mlp.down_proj", 2), "model.layers");
  EXPECT_EQ(scope_group("model.layers", 5), "model.layers");
}

}  // namespace
}  // namespace tapml::migrate
