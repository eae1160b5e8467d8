// JUnit XML for CI systems, valid against the Ant JUnit schema that CI tools
// read (tests/replayer/JUnit.xsd): one <testsuite> per op, one <testcase>
// per call. A testcase is named by its case (case_naming.h, the name the
// generated GoogleTest suites use) and its occurrence among the calls alike,
// `f32_4x15x384_4x15x384#2`, never by seq: a program recorded again, or a
// cut of its trace, keeps its names, so CI can follow a case from run to run.
// The classname is `tapml.<target>.<op identifier>`: tools that split a
// classname at its last '.' into package and class get `tapml.cpu` and
// `aten_add_Tensor` (the case's GoogleTest suite), never a piece of
// `aten::add.Tensor`. The schema allows no properties on a testcase, so each
// case's seq and scope are properties of its testsuite, and in its message.
// FAIL and FLAKY are a <failure> (type "FAIL" or "FLAKY"), ERROR an <error>,
// UNSUPPORTED a <skipped>, each with the numbers in its message.
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <stdexcept>
#include <vector>

#include "replayer/markup.h"
#include "replayer/report.h"

namespace tapml::replay {
namespace {

std::string seconds(double value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6f", value);
  return buf;
}

// The schema's timestamp: UTC, no zone ("2024-05-01T12:00:00").
std::string timestamp(std::time_t when) {
  std::tm utc{};
  gmtime_r(&when, &utc);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &utc);
  return buf;
}

std::string hostname() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "localhost";
  return buf;
}

// Letters, digits and '_' only, so the target adds no '.' to a classname.
std::string classname_part(const std::string& text) {
  std::string out;
  for (char c : text) {
    const bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    out += word ? c : '_';
  }
  return out.empty() ? "unknown" : out;
}

CaseName case_of(const CallResult& call) {
  if (!call.case_name.suite.empty()) return call.case_name;
  return {op_identifier(call.op), "seq" + std::to_string(call.seq)};  // named by nothing
}

std::string testcase_name(const CallResult& call) {
  const CaseName name = case_of(call);
  return name.name + "#" + std::to_string(call.occurrence);
}

void property(std::ostream& out, const std::string& name, const std::string& value) {
  out << "      <property name=\"" << xml_escape(name) << "\" value=\"" << xml_escape(value)
      << "\"/>\n";
}

// What a failure's text says beyond its message: where the call is.
std::string where(const CallResult& call) {
  std::string text = "seq " + std::to_string(call.seq) + " " + call.op;
  if (!call.replayed_as.empty()) text += " (replayed as " + call.replayed_as + ")";
  if (!call.scope.empty()) text += " in " + call.scope;
  if (call.runs > 1) text += ", " + std::to_string(call.runs) + " runs";
  return text;
}

void testcase(std::ostream& out, const std::string& classname, const CallResult& call) {
  out << "    <testcase classname=\"" << xml_escape(classname) << "\" name=\""
      << xml_escape(testcase_name(call)) << "\" time=\"" << seconds(call.kernel_seconds) << "\"";
  const std::string type(status_name(call.status));
  switch (call.status) {
    case Status::Pass:
      out << "/>\n";
      return;
    case Status::Fail:
    case Status::Flaky:
      out << ">\n      <failure type=\"" << type << "\" message=\"" << xml_escape(call.message)
          << "\">" << xml_escape(where(call) + "\n" + call.message) << "</failure>\n";
      break;
    case Status::Error:
    case Status::Internal:
    case Status::Crash:
    case Status::Timeout:
      out << ">\n      <error type=\"" << type << "\" message=\"" << xml_escape(call.message)
          << "\">" << xml_escape(where(call) + "\n" + call.message) << "</error>\n";
      break;
    case Status::Unsupported:
      out << ">\n      <skipped message=\"" << xml_escape("unsupported: " + call.message)
          << "\"/>\n";
      break;
  }
  out << "    </testcase>\n";
}

}  // namespace

void write_junit(const std::string& path, const Report& report) {
  const Summary& s = report.summary;
  const std::string package = "tapml." + classname_part(s.target);
  const std::string started = timestamp(s.started);
  const std::string host = hostname();
  std::ofstream out(path);
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n";
  int id = 0;
  for (const auto& [op, totals] : report.ops) {
    if (totals.calls == 0) continue;
    std::vector<const CallResult*> calls;
    for (const CallResult& call : report.calls) {
      if (call.op == op) calls.push_back(&call);
    }
    const std::string suite = case_of(*calls.front()).suite;
    out << "  <testsuite name=\"" << xml_escape(suite) << "\" package=\"" << xml_escape(package)
        << "\" id=\"" << id++ << "\" timestamp=\"" << started << "\" hostname=\""
        << xml_escape(host) << "\" tests=\"" << totals.calls << "\" failures=\""
        << totals.failed + totals.flaky << "\" errors=\""
        << totals.errors + totals.internal + totals.crashed + totals.timed_out << "\" skipped=\""
        << totals.unsupported << "\" time=\"" << seconds(totals.kernel_seconds) << "\">\n";
    out << "    <properties>\n";
    property(out, "op", op);
    property(out, "target", s.target);
    property(out, "device", s.device);
    if (!s.numerics.empty()) property(out, "numerics", s.numerics);
    property(out, "trace", s.trace);
    property(out, "mode", s.mode);
    property(out, "repeat", std::to_string(s.repeat));
    for (const CallResult* call : calls) {
      property(out, testcase_name(*call) + " seq", std::to_string(call->seq));
      if (!call->scope.empty()) property(out, testcase_name(*call) + " scope", call->scope);
    }
    out << "    </properties>\n";
    for (const CallResult* call : calls) testcase(out, package + "." + suite, *call);
    out << "    <system-out/>\n    <system-err/>\n  </testsuite>\n";
  }
  out << "</testsuites>\n";
  if (!out) throw std::runtime_error("cannot write " + path);
}

}  // namespace tapml::replay
