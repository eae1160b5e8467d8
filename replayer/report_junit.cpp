// JUnit XML for CI systems: one testsuite per op, one testcase per call.
// FAIL is a <failure>, ERROR an <error>, UNSUPPORTED a <skipped>, each with
// the numbers in its message.
#include <cstdio>
#include <fstream>
#include <stdexcept>

#include "replayer/markup.h"
#include "replayer/report.h"

namespace tapml::replay {
namespace {

std::string seconds(double value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6f", value);
  return buf;
}

std::string case_name(const CallResult& call) {
  std::string name = "seq " + std::to_string(call.seq);
  for (const std::string& input : call.inputs) {
    if (input.find('[') != std::string::npos) {
      name += " " + input.substr(input.find(": ") == std::string::npos ? 0 : input.find(": ") + 2);
      break;
    }
  }
  return name;
}

}  // namespace

void write_junit(const std::string& path, const Report& report) {
  const Summary& s = report.summary;
  std::ofstream out(path);
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out << "<testsuites name=\"tapml-replay " << xml_escape(s.target) << "\" tests=\"" << s.calls
      << "\" failures=\"" << s.failed << "\" errors=\"" << s.errors << "\" skipped=\""
      << s.unsupported << "\" time=\"" << seconds(s.wall_seconds) << "\">\n";
  for (const auto& [op, totals] : report.ops) {
    if (totals.calls == 0) continue;
    out << "  <testsuite name=\"" << xml_escape(op) << "\" tests=\"" << totals.calls
        << "\" failures=\"" << totals.failed << "\" errors=\"" << totals.errors
        << "\" skipped=\"" << totals.unsupported << "\" time=\""
        << seconds(totals.kernel_seconds) << "\">\n";
    for (const CallResult& call : report.calls) {
      if (call.op != op) continue;
      out << "    <testcase classname=\"" << xml_escape(s.target + "." + op) << "\" name=\""
          << xml_escape(case_name(call)) << "\" time=\"" << seconds(call.kernel_seconds) << "\"";
      const std::string where = call.scope.empty() ? "" : " in " + call.scope;
      switch (call.status) {
        case Status::Pass: out << "/>\n"; continue;
        case Status::Fail:
          out << ">\n      <failure message=\"" << xml_escape(call.message) << "\">"
              << xml_escape("seq " + std::to_string(call.seq) + " " + op + where + "\n" +
                            call.message)
              << "</failure>\n";
          break;
        case Status::Error:
          out << ">\n      <error message=\"" << xml_escape(call.message) << "\">"
              << xml_escape("seq " + std::to_string(call.seq) + " " + op + where + "\n" +
                            call.message)
              << "</error>\n";
          break;
        case Status::Unsupported:
          out << ">\n      <skipped message=\"" << xml_escape("unsupported: " + call.message)
              << "\"/>\n";
          break;
      }
      out << "    </testcase>\n";
    }
    out << "  </testsuite>\n";
  }
  out << "</testsuites>\n";
  if (!out) throw std::runtime_error("cannot write " + path);
}

}  // namespace tapml::replay
