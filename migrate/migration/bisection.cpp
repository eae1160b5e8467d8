#include "migrate/migration/bisection.h"

#include <cstdio>
#include <optional>

namespace tapml::migrate {

namespace {

// The search state shared by its phases.
class Search {
 public:
  Search(HybridRuns& runner, const MigrationOptions& options, MigrationResult& result)
      : runner_(runner), options_(options), result_(result) {}

  void run();

 private:
  // One hybrid run, recorded in the result; nullopt when it stopped the
  // search (TapML's own failure, too many declined calls): the summary says why.
  std::optional<StepResult> hybrid(const std::string& ops, const std::string& purpose,
                                   size_t kinds);
  // The smallest failing prefix of the kinds (the first `known_failing`
  // fail); 0 when the search stopped.
  size_t smallest_failing_prefix(size_t known_failing, const StepResult& failing);
  // Ends the search at call `ordinal` of `kind` when offloading that call
  // alone fails; false when it passes alone (or the search stopped).
  bool try_single_call(const std::string& kind, int64_t ordinal, const std::string& why);
  // The smallest failing prefix of the calls of kind `prefix` - 1, with the
  // kinds before it offloaded (`failing`: the run of all of them), then
  // that call alone.
  void search_calls(size_t prefix, const StepResult& failing);
  void found(const std::string& kind, int64_t ordinal, const StepResult& step);

  HybridRuns& runner_;
  const MigrationOptions& options_;
  MigrationResult& result_;
  bool stopped_ = false;
  std::optional<StepResult> prefix_failing_;  // the run of the smallest failing prefix
};

std::string kind_names(const std::vector<OpKind>& kinds, size_t count) {
  std::vector<std::string> names;
  for (size_t i = 0; i < count && i < kinds.size(); ++i) names.push_back(kinds[i].name);
  return join(names, ",");
}

// "op kind 1" or "op kinds 1-N": the first `count` kinds.
std::string first_kinds(size_t count) {
  return count == 1 ? "op kind 1" : "op kinds 1-" + std::to_string(count);
}

std::optional<StepResult> Search::hybrid(const std::string& ops, const std::string& purpose,
                                         size_t kinds) {
  StepResult step = runner_.run(ops, purpose);
  step.kinds_offloaded = kinds;
  result_.steps.push_back(step);
  if (step.offload_error) {
    result_.tapml_failed = true;
    result_.summary = "migration stopped at run " + std::to_string(step.index) +
                      " by TapML's own failure, not a kernel's: " + step.program_error;
  } else if (step.too_many_declined) {
    result_.summary =
        "migration stopped at run " + std::to_string(step.index) + ": " + step.verdict;
  } else {
    return step;
  }
  stopped_ = true;
  return std::nullopt;
}

size_t Search::smallest_failing_prefix(size_t known_failing, const StepResult& failing_run) {
  size_t passing = 0, failing = known_failing;
  prefix_failing_ = failing_run;
  const auto& kinds = result_.kinds;
  while (failing - passing > 1) {
    const size_t mid = passing + (failing - passing) / 2;
    const std::string purpose = first_kinds(mid) + " of " + std::to_string(kinds.size()) + " (" +
                                kinds[0].name +
                                (mid == 1 ? ")" : " to " + kinds[mid - 1].name + ")");
    const auto step = hybrid(kind_names(kinds, mid), purpose, mid);
    if (!step) return 0;
    if (step->passed) {
      passing = mid;
    } else {
      failing = mid;
      prefix_failing_ = step;
    }
  }
  return failing;
}

void Search::found(const std::string& kind, int64_t ordinal, const StepResult& step) {
  result_.culprit = kind;
  CulpritCall& call = result_.call;
  call.op = kind;
  call.ordinal = ordinal;
  call.ref_seq = step.first_diverging_seq;
  call.scope = step.first_diverging_scope;
  call.worst = step.first_diverging_worst;
  std::string described = step.first_diverging;
  if (step.first_diverging_op != kind) {
    // The diff named no call of this kind (its per-call bound was met, the
    // end result was not): the call the ordinal counts to in the reference.
    const ReferenceCall named = runner_.reference_call(kind, ordinal);
    call.ref_seq = named.seq;
    call.scope = named.scope;
    call.worst.clear();
    described = named.seq < 0 ? ""
                              : "call " + std::to_string(named.seq) + " " + kind +
                                    (call.scope.empty() ? "" : " (" + call.scope + ")");
  }
  if (call.worst.empty() && !step.beyond.empty()) call.worst = step.beyond.front().message;
  call.described = (described.empty() ? kind : "reference " + described) + ", call " +
                   std::to_string(ordinal) + " of " + kind;
  result_.culprit_call = call.described;
  result_.summary = "migration stopped after " + std::to_string(runner_.runs()) +
                    " hybrid runs: " + kind + " on " + options_.target + " is wrong at " +
                    call.described;
}

bool Search::try_single_call(const std::string& kind, int64_t ordinal, const std::string& why) {
  const auto step = hybrid(kind + "@" + std::to_string(ordinal),
                           kind + " call " + std::to_string(ordinal) + " alone (" + why + ")", 1);
  if (!step || step->passed) return false;
  found(kind, ordinal, *step);
  return true;
}

void Search::search_calls(size_t prefix, const StepResult& failing) {
  const std::string& kind = result_.kinds[prefix - 1].name;
  const auto found_calls = failing.op_calls.find(kind);
  const int64_t calls = found_calls == failing.op_calls.end() ? 0 : found_calls->second;
  if (calls <= 0) {  // no calls counted: nothing to bisect, blame the kind
    result_.culprit = kind;
    result_.culprit_call = failing.first_diverging;
    result_.summary = "migration stopped after " + std::to_string(runner_.runs()) +
                      " hybrid runs: " + kind + " on " + options_.target + " leaves tolerance";
    return;
  }
  // The kinds before it stay offloaded: the smallest failing prefix of the
  // kinds is the context the kind's calls fail in.
  const std::string before = kind_names(result_.kinds, prefix - 1);
  int64_t passing = 0, failing_prefix = calls;
  StepResult last_failing = failing;
  while (failing_prefix - passing > 1) {
    const int64_t mid = passing + (failing_prefix - passing) / 2;
    const auto step =
        hybrid((before.empty() ? "" : before + ",") + kind + "@0:" + std::to_string(mid),
               (before.empty() ? "" : first_kinds(prefix - 1) + " and ") + kind +
                   (mid == 1 ? " call 0" : " calls 0-" + std::to_string(mid - 1)) + " of " +
                   std::to_string(calls),
               prefix);
    if (!step) return;
    if (step->passed) {
      passing = mid;
    } else {
      failing_prefix = mid;
      last_failing = *step;
    }
  }
  const int64_t ordinal = failing_prefix - 1;
  if (before.empty() && ordinal == 0) {  // that prefix run was the call alone
    found(kind, ordinal, last_failing);
    return;
  }
  if (try_single_call(kind, ordinal, "the call that tips the smallest failing set") || stopped_) {
    return;
  }
  // Within tolerance alone: it fails only with the calls and kinds before it
  // offloaded too, errors that add up.
  for (size_t i = 0; i + 1 < prefix; ++i) result_.smallest_set.push_back(result_.kinds[i].name);
  result_.smallest_set.push_back(kind + "@0:" + std::to_string(ordinal + 1));
  result_.culprit = join(result_.smallest_set, ", ");
  result_.summary = "migration stopped after " + std::to_string(runner_.runs()) +
                    " hybrid runs: no single op kind is to blame (errors that add up): " + kind +
                    " call " + std::to_string(ordinal) +
                    " is within tolerance alone; smallest failing set found: " + result_.culprit;
}

void Search::run() {
  const auto& kinds = result_.kinds;
  const std::string all = options_.only_ops.empty() ? "all" : kind_names(kinds, kinds.size());
  const auto first =
      hybrid(all, "all " + std::to_string(kinds.size()) + " op kinds at once", kinds.size());
  if (!first) return;
  if (first->passed) {
    result_.complete = true;
    result_.summary = "migration complete in 1 hybrid run: " + std::to_string(kinds.size()) +
                      " op kinds, " + std::to_string(first->calls_offloaded) + " calls on " +
                      options_.target + ", every one of " + std::to_string(first->calls_checked) +
                      " checked calls within its per-call tolerance, end to end within tolerance";
    return;
  }
  // The first call beyond its per-call tolerance, alone: usually the end.
  if (!first->beyond.empty()) {
    const BeyondCall& call = first->beyond.front();
    if (try_single_call(call.op, call.ordinal, "run 1's first call beyond tolerance") || stopped_) {
      return;
    }
  }
  // Else the smallest failing prefix of the kinds, then the calls of its
  // last kind with the kinds before it offloaded.
  const size_t prefix = smallest_failing_prefix(kinds.size(), *first);
  if (prefix == 0) return;
  search_calls(prefix, *prefix_failing_);
}

}  // namespace

void bisect(HybridRuns& runner, const MigrationOptions& options, MigrationResult& result) {
  result.strategy = "bisection";
  Search(runner, options, result).run();
}

}  // namespace tapml::migrate
