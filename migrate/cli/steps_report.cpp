#include "migrate/cli/steps_report.h"

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

std::string tokens_cell(const StepResult& step) {
  if (!step.generation) return "-";
  return step.tokens_identical ? "yes" : "no";
}

std::string added_cell(const StepResult& step) {
  std::string text;
  for (const std::string& name : step.added) text += (text.empty() ? "" : ", ") + name;
  return text;
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
      << result.target << ", " << result.kinds.size() << " op kinds, reference " << result.reference
      << "\n\n";
  out << "step  kinds  calls on target  end-to-end NMSE  tokens identical  time     result  "
         "added\n";
  for (const StepResult& step : result.steps) {
    char line[160];
    std::snprintf(line, sizeof(line), "%4d  %5zu  %15lld  %15s  %16s  %6.1fs  %-6s  ", step.index,
                  step.kinds_offloaded, static_cast<long long>(step.calls_offloaded),
                  error_cell(step).c_str(), tokens_cell(step).c_str(), step.seconds,
                  step.passed ? "ok" : "FAIL");
    out << line << added_cell(step) << (step.offload_ops == "all" ? " (then all)" : "") << "\n";
  }
  // Declined calls ran on the reference device: what the target did not run.
  const StepResult& last_step = result.steps.back();
  if (!last_step.declined.empty()) {
    out << "\ndeclined in step " << last_step.index << " (ran where the program put them):\n";
    for (const auto& [op, count_why] : last_step.declined) {
      out << "  " << op << ": " << count_why.first << " calls, " << count_why.second << "\n";
    }
  }
  out << "\n";
  if (!result.complete) {
    const StepResult& last = result.steps.back();
    out << "verdict of step " << last.index << ": " << last.verdict << "\n";
  }
  out << result.summary << "\n";
  return out.str();
}

std::string steps_json(const MigrationResult& result) {
  nlohmann::json steps = nlohmann::json::array();
  for (const StepResult& step : result.steps) {
    steps.push_back({{"step", step.index},
                     {"added", step.added},
                     {"kinds_offloaded", step.kinds_offloaded},
                     {"offload_ops", step.offload_ops},
                     {"calls_offloaded", step.calls_offloaded},
                     {"calls_declined", step.calls_declined},
                     {"declined", declined_json(step)},
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
                     {"trace", step.trace},
                     {"seconds", step.seconds}});
  }
  nlohmann::json kinds = nlohmann::json::array();
  for (const OpKind& kind : result.kinds) {
    kinds.push_back({{"op", kind.name}, {"calls", kind.calls}});
  }
  nlohmann::json doc = {{"model", result.model},
                        {"target", result.target},
                        {"reference", result.reference},
                        {"kinds", kinds},
                        {"steps", steps},
                        {"complete", result.complete},
                        {"culprit", result.culprit},
                        {"culprit_call", result.culprit_call},
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
      << "<table><tr><th>step</th><th>added</th><th>kinds offloaded</th><th>calls on target</th>"
      << "<th>end-to-end NMSE</th><th>tokens identical</th><th>time (s)</th><th>verdict</th>"
      << "<th>first diverging call</th></tr>";
  for (const StepResult& step : result.steps) {
    out << "<tr class=\"" << (step.passed ? "ok" : "fail") << "\"><td>" << step.index << "</td><td>"
        << escaped(added_cell(step)) << "</td><td>" << step.kinds_offloaded << "</td><td>"
        << step.calls_offloaded << "</td><td>" << error_cell(step) << "</td><td>"
        << tokens_cell(step) << "</td><td>" << format("%.1f", step.seconds) << "</td><td>"
        << escaped(step.verdict) << "</td><td>" << escaped(step.first_diverging) << "</td></tr>";
  }
  out << "</table><h2>Op kinds in order</h2><ol>";
  for (const OpKind& kind : result.kinds) {
    out << "<li>" << escaped(kind.name) << " (" << kind.calls << " calls)</li>";
  }
  out << "</ol></body></html>\n";
  return out.str();
}

}  // namespace tapml::migrate
