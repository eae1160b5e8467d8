// The bisection's logic and its run counts, case by case: the answers of
// the hybrid runs are scripted from a description of a program (its op
// kinds, the calls a wrong kernel gets wrong, whether the per-call check
// sees them), so that every path of the search is walked in milliseconds.
// The real runs, with real models and planted kernels, are the
// migrate.bisect_* tests.
#include "migrate/migration/bisection.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>
#include <sstream>

namespace tapml::migrate {
namespace {

struct WrongCall {
  std::string kind;
  int64_t ordinal = 0;
  bool seen_by_check = true;  // else only the end-to-end result shows it
  std::string needs;          // wrong only when this kind is offloaded too
};

class ScriptedRuns : public HybridRuns {
 public:
  std::vector<OpKind> kinds;
  std::vector<WrongCall> wrong;
  std::set<std::string> only_together;  // kinds wrong only when all of them are offloaded
  std::string offload_error_kind;       // offloading it breaks the offload layer

  StepResult run(const std::string& ops, const std::string& purpose) override {
    StepResult step;
    step.index = ++runs_;
    step.purpose = purpose;
    step.offload_ops = ops;
    const auto selected = parse(ops);
    for (const auto& [kind, calls] : selected) {
      step.op_calls[kind] = calls_of(kind);
      step.calls_offloaded += static_cast<int64_t>(calls.size());
      if (kind == offload_error_kind) {
        step.offload_error = true;
        step.program_exit = 3;
        step.program_error = "offload error in " + kind + ": planted";
        return step;
      }
    }
    step.calls_checked = step.calls_offloaded;
    step.passed = true;
    for (const WrongCall& call : wrong) {
      const auto it = selected.find(call.kind);
      if (it == selected.end() || it->second.count(call.ordinal) == 0) continue;
      if (!call.needs.empty() && selected.count(call.needs) == 0) continue;
      step.passed = false;
      if (call.seen_by_check) step.beyond.push_back({call.kind, call.ordinal, 1.0, "planted"});
    }
    step.calls_beyond = static_cast<int64_t>(step.beyond.size());
    bool together = !only_together.empty();
    for (const std::string& kind : only_together) together = together && selected.count(kind);
    if (together) step.passed = false;
    step.verdict = step.passed ? "same" : "diverging";
    return step;
  }
  int runs() const override { return runs_; }
  ReferenceCall reference_call(const std::string& op, int64_t ordinal) override {
    for (size_t i = 0; i < kinds.size(); ++i) {
      if (kinds[i].name == op && ordinal < kinds[i].calls) {
        return {static_cast<int64_t>(i) * 1000 + ordinal, "layer." + std::to_string(i)};
      }
    }
    return {};
  }

 private:
  int64_t calls_of(const std::string& kind) const {
    for (const OpKind& k : kinds) {
      if (k.name == kind) return k.calls;
    }
    ADD_FAILURE() << "the search offloaded an unknown kind " << kind;
    return 0;
  }
  // kind -> the ordinals offloaded ("all", "K", "K@N", "K@A:B", "K@A:").
  std::map<std::string, std::set<int64_t>> parse(const std::string& ops) const {
    std::map<std::string, std::set<int64_t>> selected;
    std::istringstream entries(ops);
    for (std::string entry; std::getline(entries, entry, ',');) {
      if (entry == "all") {
        for (const OpKind& k : kinds) selected[k.name];
        for (const OpKind& k : kinds) add_range(selected[k.name], 0, k.calls);
        continue;
      }
      const size_t at = entry.find('@');
      const std::string kind = entry.substr(0, at);
      const int64_t calls = calls_of(kind);
      int64_t first = 0, end = calls;
      if (at != std::string::npos) {
        const std::string range = entry.substr(at + 1);
        const size_t colon = range.find(':');
        first = std::stoll(range.substr(0, colon));
        end = colon == std::string::npos  ? first + 1
              : colon + 1 == range.size() ? calls
                                          : std::stoll(range.substr(colon + 1));
      }
      add_range(selected[kind], first, std::min(end, calls));
    }
    return selected;
  }
  static void add_range(std::set<int64_t>& into, int64_t first, int64_t end) {
    for (int64_t i = first; i < end; ++i) into.insert(i);
  }
  int runs_ = 0;
};

ScriptedRuns program(size_t kinds, int64_t calls_each) {
  ScriptedRuns runs;
  for (size_t i = 0; i < kinds; ++i) {
    runs.kinds.push_back({"aten::op" + std::to_string(i), calls_each});
  }
  return runs;
}

MigrationResult search(ScriptedRuns& runs) {
  MigrationOptions options;
  options.target = "vulkan";
  MigrationResult result;
  result.kinds = runs.kinds;
  bisect(runs, options, result);
  EXPECT_EQ(static_cast<int>(result.steps.size()), runs.runs());
  return result;
}

int bound(size_t kinds, int64_t calls) {
  return static_cast<int>(std::ceil(std::log2(static_cast<double>(kinds))) +
                          std::ceil(std::log2(static_cast<double>(calls)))) +
         2;
}

TEST(Bisection, CleanProgramIsCompleteInOneRun) {
  ScriptedRuns runs = program(20, 37);
  const MigrationResult result = search(runs);
  EXPECT_TRUE(result.complete);
  EXPECT_EQ(result.steps.size(), 1u);
  EXPECT_EQ(result.steps[0].offload_ops, "all");
  EXPECT_EQ(result.exit_code(), 0);
}

TEST(Bisection, CallSeenByTheCheckIsConfirmedAloneInTwoRuns) {
  ScriptedRuns runs = program(20, 37);
  runs.wrong = {{"aten::op7", 13, true, ""}, {"aten::op7", 20, true, ""}};
  const MigrationResult result = search(runs);
  EXPECT_FALSE(result.complete);
  EXPECT_EQ(result.exit_code(), 1);
  EXPECT_EQ(result.steps.size(), 2u);
  EXPECT_EQ(result.steps[1].offload_ops, "aten::op7@13");
  EXPECT_EQ(result.culprit, "aten::op7");
  EXPECT_EQ(result.call.ordinal, 13);
  EXPECT_EQ(result.call.ref_seq, 7013);
  EXPECT_EQ(result.call.scope, "layer.7");
}

// Only the end-to-end result shows it: bisection over kinds, then calls.
class EndToEndOnly : public ::testing::TestWithParam<std::tuple<int, int64_t>> {};

TEST_P(EndToEndOnly, FindsTheCallWithinTheBound) {
  const auto [kind, ordinal] = GetParam();
  ScriptedRuns runs = program(20, 37);
  const std::string name = "aten::op" + std::to_string(kind);
  runs.wrong = {{name, ordinal, false, ""}, {name, 36, false, ""}};
  const MigrationResult result = search(runs);
  EXPECT_EQ(result.culprit, name);
  EXPECT_EQ(result.call.ordinal, ordinal);
  EXPECT_EQ(result.call.ref_seq, kind * 1000 + ordinal);
  EXPECT_LE(static_cast<int>(result.steps.size()), bound(20, 37));
  EXPECT_FALSE(result.steps.back().passed);
}

INSTANTIATE_TEST_SUITE_P(Cases, EndToEndOnly,
                         ::testing::Values(std::tuple{0, 0}, std::tuple{7, 13}, std::tuple{19, 36},
                                           std::tuple{10, 1}, std::tuple{3, 35}));

TEST(Bisection, ErrorsThatOnlyAddUpBlameNoSingleKind) {
  // Wrong only with two kinds offloaded together, and no call beyond its
  // own tolerance: the smallest failing set, and no call to blame.
  ScriptedRuns runs = program(8, 16);
  runs.only_together = {"aten::op2", "aten::op5"};
  const MigrationResult result = search(runs);
  EXPECT_FALSE(result.complete);
  EXPECT_EQ(result.exit_code(), 1);
  EXPECT_NE(result.summary.find("no single op kind is to blame"), std::string::npos)
      << result.summary;
  const std::vector<std::string> smallest = {"aten::op0", "aten::op1", "aten::op2",
                                             "aten::op3", "aten::op4", "aten::op5@0:1"};
  EXPECT_EQ(result.smallest_set, smallest);
  EXPECT_LE(static_cast<int>(result.steps.size()), bound(8, 16));
  EXPECT_EQ(result.call.ref_seq, -1);
}

TEST(Bisection, CheckedCallThatPassesAloneFallsBackToTheSearch) {
  // The check names call 3 of op4, which is wrong only with op1 offloaded
  // (its inputs come out of op1): alone it passes, so the kinds are
  // searched, and the smallest failing set holds both.
  ScriptedRuns runs = program(8, 16);
  runs.wrong = {{"aten::op4", 3, true, "aten::op1"}};
  const MigrationResult result = search(runs);
  EXPECT_EQ(result.steps[1].offload_ops, "aten::op4@3");
  EXPECT_TRUE(result.steps[1].passed);
  const std::vector<std::string> smallest = {"aten::op0", "aten::op1", "aten::op2", "aten::op3",
                                             "aten::op4@0:4"};
  EXPECT_EQ(result.smallest_set, smallest);
  EXPECT_LE(static_cast<int>(result.steps.size()), bound(8, 16) + 1);
}

TEST(Bisection, OffloadErrorStopsAtOnceAndBlamesTapml) {
  ScriptedRuns runs = program(8, 16);
  runs.offload_error_kind = "aten::op3";
  const MigrationResult result = search(runs);
  EXPECT_TRUE(result.tapml_failed);
  EXPECT_EQ(result.exit_code(), 3);
  EXPECT_EQ(result.steps.size(), 1u);
  EXPECT_TRUE(result.culprit.empty());
}

}  // namespace
}  // namespace tapml::migrate
