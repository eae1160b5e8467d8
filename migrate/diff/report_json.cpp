// The diff as JSON, for scripts and for tapml-migrate's step table.
#include <nlohmann/json.hpp>

#include "migrate/diff/diff.h"

namespace tapml::migrate {
namespace {

using nlohmann::json;

json tolerance_json(const replay::Tolerance& t) {
  if (t.exact) return {{"exact", true}};
  return {{"nmse", t.nmse}, {"atol", t.atol}, {"rtol", t.rtol}};
}

json tensor_json(const TensorDiff& d) {
  json j = {{"arg", d.arg},
            {"dtype", std::string(dtype_name(d.dtype))},
            {"sizes", d.sizes},
            {"identical", d.identical},
            {"comparable", d.comparable},
            {"tolerance", tolerance_json(d.tolerance)}};
  if (!d.identical && d.comparable) {
    j["passed"] = d.comparison.passed;
    j["nmse"] = d.comparison.nmse;
    j["max_abs"] = d.comparison.max_abs;
    j["max_rel"] = d.comparison.max_rel;
    j["mismatches"] = d.comparison.mismatches;
  }
  if (!d.problem.empty()) j["problem"] = d.problem;
  return j;
}

json call_json(const CallDiff& c, bool with_outputs) {
  json j = {{"ref_seq", c.ref_seq},
            {"other_seq", c.other_seq},
            {"op", c.op},
            {"scope", c.scope},
            {"depth", c.depth},
            {"status", std::string(call_status_name(c.status))},
            {"nmse", c.nmse},
            {"max_abs", c.max_abs},
            {"exact_mismatches", c.exact_mismatches}};
  if (with_outputs) {
    j["outputs"] = json::array();
    for (const TensorDiff& d : c.outputs) j["outputs"].push_back(tensor_json(d));
  }
  return j;
}

}  // namespace

std::string diff_json(const DiffResult& r) {
  const Alignment& al = r.alignment;
  json alignment = {{"ref_calls", al.ref_calls},
                    {"other_calls", al.other_calls},
                    {"aligned", al.aligned},
                    {"complete", al.complete},
                    {"ref_stop", al.ref_stop},
                    {"other_stop", al.other_stop},
                    {"stop_reason", al.stop_reason},
                    {"subtrees_differing", al.subtrees_differing},
                    {"differing_examples", json::array()}};
  for (const auto& [a, b] : al.differing_examples) {
    alignment["differing_examples"].push_back({{"ref_seq", a}, {"other_seq", b}});
  }
  int64_t counts[4] = {0, 0, 0, 0};
  json calls = json::array();
  for (const CallDiff& c : r.calls) {
    ++counts[static_cast<int>(c.status)];
    calls.push_back(call_json(c, c.status != CallStatus::Identical));
  }
  json first = nullptr;
  if (r.first) {
    first = call_json(r.calls[r.first->call_index], true);
    first["inputs_identical"] = r.first->inputs_identical;
    first["input_nmse"] = r.first->input_nmse;
    first["input_note"] = r.first->input_note;
  }
  json scopes = json::array();
  for (const ScopeSummary& s : r.scopes) {
    scopes.push_back({{"scope", s.scope},
                      {"compared", s.compared},
                      {"identical", s.identical},
                      {"beyond", s.beyond},
                      {"max_nmse", s.max_nmse},
                      {"worst_ref_seq", s.worst_ref_seq},
                      {"first_beyond_ref_seq", s.first_beyond_ref_seq}});
  }
  json final_calls = json::array();
  for (const CallDiff& c : r.final_outputs.calls) final_calls.push_back(call_json(c, true));
  const TokenCheck& t = r.tokens;
  json j = {{"ref", r.ref_path},
            {"other", r.other_path},
            {"model", r.model},
            {"target", r.target},
            {"same", r.same},
            {"exit_code", r.exit_code()},
            {"verdict", r.verdict},
            {"alignment", alignment},
            {"summary",
             {{"compared", r.calls.size()},
              {"identical", counts[static_cast<int>(CallStatus::Identical)]},
              {"within", counts[static_cast<int>(CallStatus::WithinTolerance)]},
              {"beyond", counts[static_cast<int>(CallStatus::Beyond)]},
              {"not_compared", r.not_compared},
              {"tensors_read", r.tensors_read},
              {"seconds", r.seconds}}},
            {"first_divergence", first},
            {"final_outputs",
             {{"found", r.final_outputs.found},
              {"passed", r.final_outputs.passed},
              {"partial", r.final_outputs.partial},
              {"nmse", r.final_outputs.nmse},
              {"calls", final_calls}}},
            {"tokens",
             {{"generation", t.generation},
              {"identical", t.identical},
              {"first_difference", t.first_difference},
              {"ref_ids", t.ref_ids},
              {"other_ids", t.other_ids}}},
            {"scopes", scopes},
            {"calls", calls}};
  return j.dump(2) + "\n";
}

}  // namespace tapml::migrate
