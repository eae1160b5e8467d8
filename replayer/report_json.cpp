// The JSON report: `summary`, `ops` (per op totals) and `calls` (one record
// per call run or unsupported). docs/replayer.md describes every field.
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "replayer/report.h"

namespace tapml::replay {
namespace {

// JSON has no NaN or Inf: they become the strings "nan", "inf", "-inf".
nlohmann::json number(double value) {
  if (std::isfinite(value)) return value;
  return format_number(value);
}

nlohmann::json output_json(const OutputResult& o) {
  const Comparison& c = o.comparison;
  nlohmann::json j = {
      {"name", o.name},
      {"dtype", std::string(dtype_name(o.dtype))},
      {"sizes", o.sizes},
      {"passed", c.passed},
      {"nmse", number(c.nmse)},
      {"max_abs", number(c.max_abs)},
      {"max_rel", number(c.max_rel)},
      {"mismatches", c.mismatches},
      {"nonfinite_mismatches", c.nonfinite_mismatches},
      {"judged_by", c.bound             ? "forward-bound"
                    : o.tolerance.exact ? "exact"
                                        : "nmse"},
      {"tolerance",
       {{"exact", o.tolerance.exact},
        {"method", std::string(method_name(o.tolerance.method))},
        {"nmse", o.tolerance.nmse},
        {"atol", o.tolerance.atol},
        {"rtol", o.tolerance.rtol},
        {"safety", o.tolerance.safety},
        {"flush_subnormals", o.tolerance.flush_subnormals}}},
  };
  if (c.bound) {
    j["bound"] = {{"rule", c.bound->rule},
                  {"terms", c.bound->terms},
                  {"unit_roundoff", c.bound->unit_roundoff},
                  {"output_roundoff", c.bound->output_roundoff},
                  {"safety", c.bound->safety},
                  {"from", c.bound_from_shapes ? "shapes" : "inputs"},
                  {"worst_threshold", number(c.worst_threshold)},
                  {"worst_ratio", number(c.worst_ratio)}};
  }
  if (o.run_difference) {
    const RunDifference& d = *o.run_difference;
    j["run_difference"] = {
        {"runs", {d.first_run, d.other_run}}, {"index", unravel_index(d.flat_index, o.sizes)},
        {"flat_index", d.flat_index},         {"values", {d.first_value, d.other_value}},
        {"differing", d.differing},           {"elements", d.elements}};
  }
  if (c.worst_index >= 0) {
    j["worst"] = {{"index", unravel_index(c.worst_index, o.sizes)},
                  {"flat_index", c.worst_index},
                  {"actual", number(c.worst_actual)},
                  {"expected", number(c.worst_expected)}};
  }
  return j;
}

}  // namespace

nlohmann::json call_result_json(const CallResult& call) {
  nlohmann::json outputs = nlohmann::json::array();
  for (const OutputResult& o : call.outputs) outputs.push_back(output_json(o));
  return {{"seq", call.seq},
          {"op", call.op},
          {"replayed_as", call.replayed_as},
          {"case",
           call.case_name.suite.empty() ? "" : occurrence_name(call.case_name, call.occurrence)},
          {"scope", call.scope},
          {"status", std::string(status_name(call.status))},
          {"runs", call.runs},
          {"message", call.message},
          {"inputs", call.inputs},
          {"outputs", outputs},
          {"kernel_seconds", call.kernel_seconds},
          {"input_bytes", call.input_bytes}};
}

nlohmann::json comparison_json(const OutputResult& output) { return output_json(output); }

nlohmann::json report_json(const Report& report) {
  const Summary& s = report.summary;
  nlohmann::json doc;
  doc["summary"] = {
      {"trace", s.trace},
      {"target", s.target},
      {"device", s.device},
      {"numerics", s.numerics},
      {"mode", s.mode},
      {"repeat", s.repeat},
      {"calls", s.calls},
      {"passed", s.passed},
      {"failed", s.failed},
      {"unsupported", s.unsupported},
      {"errors", s.errors},
      {"flaky", s.flaky},
      {"internal", s.internal},
      {"crashed", s.crashed},
      {"timed_out", s.timed_out},
      {"skipped", s.skipped},
      {"skipped_reasons", s.skipped_reasons},
      {"coverage", s.coverage},
      {"covered", s.covered},
      {"roots", s.roots},
      {"stopped_early", s.stopped_early},
      {"wall_seconds", s.wall_seconds},
      {"kernel_seconds", s.kernel_seconds},
      {"input_bytes", s.input_bytes},
      {"calls_per_second", s.calls_per_second},
      {"mb_per_second", s.mb_per_second},
      {"isolated", s.isolated},
      {"worker_restarts", s.worker_restarts},
  };
  doc["ops"] = nlohmann::json::object();
  for (const auto& [name, op] : report.ops) {
    doc["ops"][name] = {{"calls", op.calls},
                        {"passed", op.passed},
                        {"failed", op.failed},
                        {"unsupported", op.unsupported},
                        {"errors", op.errors},
                        {"flaky", op.flaky},
                        {"internal", op.internal},
                        {"crashed", op.crashed},
                        {"timed_out", op.timed_out},
                        {"skipped", op.skipped},
                        {"worst_nmse", number(op.worst_nmse)},
                        {"worst_max_abs", number(op.worst_max_abs)},
                        {"kernel_seconds", op.kernel_seconds}};
  }
  doc["calls"] = nlohmann::json::array();
  for (const CallResult& call : report.calls) doc["calls"].push_back(call_result_json(call));
  return doc;
}

void write_json(const std::string& path, const Report& report) {
  std::ofstream file(path);
  file << report_json(report).dump(1) << '\n';
  if (!file) throw std::runtime_error("cannot write " + path);
}

}  // namespace tapml::replay
