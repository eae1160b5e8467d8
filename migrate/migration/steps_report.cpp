#include "migrate/migration/steps_report.h"

#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

namespace tapml::migrate {

namespace {

std::string format(const char* pattern, double value) {
  char text[32];
  std::snprintf(text, sizeof(text), pattern, value);
  return text;
}

std::string error_cell(const StepResult& step) {
  if (step.program_exit != 0) return "run failed";
  return step.end_to_end_found ? format("%.2e", step.end_to_end_nmse) : "-";
}

std::string checks_cell(const StepResult& step) {
  if (step.calls_checked == 0 && step.calls_beyond == 0) return "-";
  return std::to_string(step.calls_beyond) + "/" + std::to_string(step.calls_checked);
}

std::string tokens_cell(const StepResult& step) {
  if (!step.generation) return "-";
  return step.tokens_identical ? "yes" : "no";
}

std::string escaped(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

nlohmann::json declined_json(const StepResult& step) {
  nlohmann::json ops = nlohmann::json::object();
  for (const auto& [op, count_why] : step.declined) {
    ops[op] = {{"calls", count_why.first}, {"why", count_why.second}};
  }
  return ops;
}

}  // namespace

std::string steps_text(const MigrationResult& result) {
  std::ostringstream out;
  out << "tapml-migrate: " << (result.model.empty() ? "model" : result.model) << " to "
      << result.target << ", " << result.kinds.size() << " op kinds, " << result.strategy
      << ", reference " << result.reference << "\n\n";
  out << " run  kinds  calls on target  beyond/checked  end-to-end NMSE  tokens identical  time   "
         "  result  offloaded\n";
  for (const StepResult& step : result.steps) {
    char line[200];
    std::snprintf(line, sizeof(line), "%4d  %5zu  %15lld  %14s  %15s  %16s  %6.1fs  %-6s  ",
                  step.index, step.kinds_offloaded, static_cast<long long>(step.calls_offloaded),
                  checks_cell(step).c_str(), error_cell(step).c_str(), tokens_cell(step).c_str(),
                  step.seconds, step.passed ? "ok" : "FAIL");
    out << line << step.purpose << "\n";
  }
  // Declined calls ran on the reference device: what the target did not run.
  const StepResult& last_step = result.steps.back();
  if (!last_step.declined.empty()) {
    out << "\ndeclined in run " << last_step.index << " (ran where the program put them):\n";
    for (const auto& [op, count_why] : last_step.declined) {
      out << "  " << op << ": " << count_why.first << " calls, " << count_why.second << "\n";
    }
  }
  out << "\n";
  if (!result.complete) {
    const StepResult& last = result.steps.back();
    out << "verdict of run " << last.index << ": " << last.verdict << "\n";
  }
  const CulpritCall& call = result.call;
  if (call.ref_seq >= 0) {
    out << "first diverging call: seq " << call.ref_seq << " of the reference, " << call.op
        << ", call " << call.ordinal << " of its kind"
        << (call.scope.empty() ? "" : ", module " + call.scope) << "\n";
    if (!call.worst.empty()) out << "  worst element: " << call.worst << "\n";
  }
  if (!result.emitted_test.empty()) out << "emitted test: " << result.emitted_test << "\n";
  out << result.summary;
  if (result.strategy == "linear") {
    out << " (" << result.steps.size() << " hybrid run" << (result.steps.size() == 1 ? "" : "s")
        << ")";
  }
  out << "\n";
  return out.str();
}

std::string steps_json(const MigrationResult& result) {
  nlohmann::json steps = nlohmann::json::array();
  for (const StepResult& step : result.steps) {
    nlohmann::json beyond = nlohmann::json::array();
    for (const BeyondCall& call : step.beyond) {
      beyond.push_back({{"op", call.op},
                        {"ordinal", call.ordinal},
                        {"nmse", call.nmse},
                        {"message", call.message}});
    }
    steps.push_back({{"run", step.index},
                     {"purpose", step.purpose},
                     {"added", step.added},
                     {"kinds_offloaded", step.kinds_offloaded},
                     {"offload_ops", step.offload_ops},
                     {"calls_offloaded", step.calls_offloaded},
                     {"calls_declined", step.calls_declined},
                     {"declined", declined_json(step)},
                     {"calls_checked", step.calls_checked},
                     {"calls_beyond", step.calls_beyond},
                     {"beyond", beyond},
                     {"program_exit", step.program_exit},
                     {"end_to_end_found", step.end_to_end_found},
                     {"end_to_end_nmse", step.end_to_end_nmse},
                     {"generation", step.generation},
                     {"tokens_identical", step.generation ? nlohmann::json(step.tokens_identical)
                                                          : nlohmann::json(nullptr)},
                     {"passed", step.passed},
                     {"verdict", step.verdict},
                     {"first_diverging_call", step.first_diverging},
                     {"first_diverging_op", step.first_diverging_op},
                     {"first_diverging_seq", step.first_diverging_seq},
                     {"trace", step.trace},
                     {"seconds", step.seconds}});
  }
  nlohmann::json kinds = nlohmann::json::array();
  for (const OpKind& kind : result.kinds) {
    kinds.push_back({{"op", kind.name}, {"calls", kind.calls}});
  }
  const CulpritCall& call = result.call;
  nlohmann::json doc = {{"model", result.model},
                        {"target", result.target},
                        {"reference", result.reference},
                        {"strategy", result.strategy},
                        {"kinds", kinds},
                        {"steps", steps},
                        {"hybrid_runs", result.steps.size()},
                        {"complete", result.complete},
                        {"culprit", result.culprit},
                        {"culprit_call", result.culprit_call},
                        {"call", call.ref_seq < 0 ? nlohmann::json(nullptr)
                                                  : nlohmann::json{{"ref_seq", call.ref_seq},
                                                                   {"op", call.op},
                                                                   {"ordinal", call.ordinal},
                                                                   {"scope", call.scope},
                                                                   {"worst", call.worst}}},
                        {"smallest_set", result.smallest_set},
                        {"emitted_test", result.emitted_test},
                        {"summary", result.summary}};
  return doc.dump(2) + "\n";
}

std::string steps_html(const MigrationResult& result) {
  std::ostringstream out;
  out << "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>tapml-migrate "
      << escaped(result.model) << " to " << escaped(result.target) << "</title><style>"
      << "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
      << "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}"
      << "tr.fail{background:#fdd}tr.ok{background:#efe}</style></head><body>"
      << "<h1>Migration of " << escaped(result.model) << " to " << escaped(result.target)
      << "</h1><p>" << escaped(result.summary) << "</p>"
      << "<p>" << escaped(result.strategy) << ": " << result.steps.size() << " hybrid runs</p>";
  if (result.call.ref_seq >= 0) {
    out << "<p>First diverging call: " << escaped(result.call.described)
        << "<br>worst element: " << escaped(result.call.worst) << "</p>";
  }
  if (!result.emitted_test.empty()) {
    out << "<p>Emitted test: " << escaped(result.emitted_test) << "</p>";
  }
  out << "<table><tr><th>run</th><th>offloaded</th><th>kinds offloaded</th><th>calls on target</th>"
      << "<th>beyond/checked</th><th>end-to-end NMSE</th><th>tokens identical</th><th>time (s)</th>"
      << "<th>verdict</th><th>first diverging call</th></tr>";
  for (const StepResult& step : result.steps) {
    out << "<tr class=\"" << (step.passed ? "ok" : "fail") << "\"><td>" << step.index << "</td><td>"
        << escaped(step.purpose) << "</td><td>" << step.kinds_offloaded << "</td><td>"
        << step.calls_offloaded << "</td><td>" << checks_cell(step) << "</td><td>"
        << error_cell(step) << "</td><td>" << tokens_cell(step) << "</td><td>"
        << format("%.1f", step.seconds) << "</td><td>" << escaped(step.verdict) << "</td><td>"
        << escaped(step.first_diverging) << "</td></tr>";
  }
  out << "</table><h2>Op kinds in order</h2><ol>";
  for (const OpKind& kind : result.kinds) {
    out << "<li>" << escaped(kind.name) << " (" << kind.calls << " calls)</li>";
  }
  out << "</ol></body></html>\n";
  return out.str();
}

}  // namespace tapml::migrate
