// replay_verdict: judges a tapml-replay --json report against the trace it
// came from, for the proof tests of tests/replayer/CMakeLists.txt.
//
//   replay_verdict clean REPORT.json TRACE.h5 [--bounded OP,OP,...]
//     every call passed: failed, errors, unsupported and flaky are 0,
//     coverage is 100%, at least one call ran, and each reported call is the
//     trace's call of that seq (same op); with --bounded, each named op
//     ("aten::sum") was run and judged by its forward error bound at least
//     once.
//   replay_verdict bug REPORT.json TRACE.h5 OPS_REGEX [--every] [--as FLAKY]
//     a planted bug was caught and attributed: at least one FAIL (FLAKY with
//     --as FLAKY), no ERROR, every FAIL or FLAKY is a call of an op matching
//     OPS_REGEX with that status and is the trace's call of that seq, every
//     call of another op passed; with --every, every call of a matching op
//     was caught. A FLAKY call's message must name the differing element.
// Exit 0 when the verdict holds, 1 when it does not (each reason on stderr),
// 2 on bad input.
#include <algorithm>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

#include "store/reader.h"

namespace {

using nlohmann::json;

struct Verdict {
  std::vector<std::string> problems;
  void require(bool holds, const std::string& what) {
    if (!holds) problems.push_back(what);
  }
};

std::string describe(const json& call) {
  return "call " + std::to_string(call.at("seq").get<int64_t>()) + " " +
         call.at("op").get<std::string>() + " (" + call.at("status").get<std::string>() + ")";
}

// The report names the trace's own call: the op recorded at that seq.
void check_attribution(const json& call, const tapml::store::TraceReader& trace, Verdict& v) {
  const int64_t seq = call.at("seq").get<int64_t>();
  if (seq < 0 || static_cast<size_t>(seq) >= trace.num_calls()) {
    v.problems.push_back(describe(call) + ": no such seq in the trace");
    return;
  }
  const std::string recorded = trace.call(static_cast<size_t>(seq)).full_name();
  v.require(recorded == call.at("op").get<std::string>(),
            describe(call) + ": the trace's call " + std::to_string(seq) + " is " + recorded);
}

void judge_clean(const json& report, const tapml::store::TraceReader& trace, Verdict& v) {
  const json& s = report.at("summary");
  for (const char* key : {"failed", "errors", "unsupported", "flaky"}) {
    v.require(s.at(key).get<int64_t>() == 0,
              std::string("summary.") + key + " is " + s.at(key).dump() + ", expected 0");
  }
  v.require(s.at("calls").get<int64_t>() > 0, "no call ran");
  v.require(s.at("passed") == s.at("calls"),
            "passed " + s.at("passed").dump() + " of " + s.at("calls").dump() + " calls");
  v.require(s.at("coverage").get<double>() == 1.0, "coverage " + s.at("coverage").dump() +
                                                       ", expected 1 (" + s.at("covered").dump() +
                                                       " of " + s.at("roots").dump() + " roots)");
  for (const json& call : report.at("calls")) {
    if (call.at("status") != "PASS" && v.problems.size() < 20) {
      v.problems.push_back(describe(call) + ": " + call.at("message").get<std::string>());
    }
    check_attribution(call, trace, v);
  }
}

void judge_bug(const json& report, const tapml::store::TraceReader& trace, const std::regex& ops,
               bool every, const std::string& caught_as, Verdict& v) {
  const json& s = report.at("summary");
  const char* count = caught_as == "FLAKY" ? "flaky" : "failed";
  v.require(s.at(count).get<int64_t>() > 0,
            "the planted bug went unnoticed: no call is " + caught_as);
  v.require(s.at("errors").get<int64_t>() == 0, "summary.errors is " + s.at("errors").dump());
  for (const json& call : report.at("calls")) {
    const bool matching = std::regex_match(call.at("op").get<std::string>(), ops);
    const std::string status = call.at("status").get<std::string>();
    if (matching) {
      v.require(status == caught_as || (!every && status == "PASS"),
                describe(call) + ": expected " + caught_as + " from the planted bug");
    } else {
      v.require(status == "PASS", describe(call) + ": an op the bug does not touch did not pass");
    }
    if (status == caught_as) {
      check_attribution(call, trace, v);
      const std::string message = call.at("message").get<std::string>();
      if (status == "FLAKY") {
        v.require(message.find("differs between runs 1 and 2 at [") != std::string::npos,
                  describe(call) + ": the message names no differing element: " + message);
      }
      std::cout << describe(call) << ": " << message << "\n";
    }
  }
}

// Each op of `names` (comma-separated, "aten::sum") has a call in the report
// with an output the forward bound judged.
void judge_bounded(const json& report, const std::string& names, Verdict& v) {
  size_t start = 0;
  while (start <= names.size()) {
    const size_t comma = std::min(names.find(',', start), names.size());
    const std::string name = names.substr(start, comma - start);
    start = comma + 1;
    bool seen = false;
    for (const json& call : report.at("calls")) {
      const std::string op = call.at("op").get<std::string>();
      if (op.substr(0, op.find('.')) != name) continue;
      for (const json& out : call.at("outputs"))
        seen = seen || out.value("judged_by", "") == "forward-bound";
    }
    v.require(seen, name + ": no call of it was run and judged by its forward error bound");
  }
}

int usage(const std::string& why) {
  std::cerr << "replay_verdict: " << why
            << " (usage: replay_verdict clean|bug REPORT.json TRACE.h5 [OPS_REGEX [--every] "
               "[--as FLAKY]])\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() < 3) return usage("too few arguments");
  const std::string& mode = args[0];
  if (mode != "clean" && !(mode == "bug" && args.size() >= 4)) return usage("bad mode " + mode);
  if (mode == "clean" && args.size() != 3 && !(args.size() == 5 && args[3] == "--bounded")) {
    return usage("clean takes REPORT.json TRACE.h5 [--bounded OP,OP,...]");
  }
  json report;
  std::unique_ptr<tapml::store::TraceReader> trace;
  try {
    std::ifstream file(args[1]);
    if (!file) return usage(args[1] + ": cannot be read");
    report = json::parse(file);
    trace = tapml::store::TraceReader::open(args[2]);
  } catch (const std::exception& e) {
    return usage(e.what());
  }
  Verdict verdict;
  try {
    if (mode == "clean") {
      judge_clean(report, *trace, verdict);
      if (args.size() == 5) judge_bounded(report, args[4], verdict);
    } else {
      bool every = false;
      std::string caught_as = "FAIL";
      for (size_t i = 4; i < args.size(); ++i) {
        if (args[i] == "--every") {
          every = true;
        } else if (args[i] == "--as" && i + 1 < args.size() &&
                   (args[i + 1] == "FAIL" || args[i + 1] == "FLAKY")) {
          caught_as = args[++i];
        } else {
          return usage("bad argument " + args[i]);
        }
      }
      judge_bug(report, *trace, std::regex(args[3]), every, caught_as, verdict);
    }
  } catch (const std::exception& e) {
    return usage(args[1] + ": not a tapml-replay report: " + e.what());
  }
  for (const std::string& problem : verdict.problems) std::cerr << problem << "\n";
  if (!verdict.problems.empty()) return 1;
  std::cout << "verdict " << mode << " holds: " << report.at("summary").at("passed") << " passed, "
            << report.at("summary").at("failed") << " failed, " << report.at("summary").at("flaky")
            << " flaky of " << report.at("summary").at("calls") << " calls\n";
  return 0;
}
