// The replay loop on a small trace written with the store's writer and run on
// the real CPU backend: strided inputs, in-place and out= calls, a recorded
// value the kernel cannot match, an op no backend has, a duplicate, and a
// composite op the replayer must descend into.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "replayer/call_runner.h"
#include "replayer/replayer.h"
#include "tests/replayer/hand_made_trace.h"

namespace tapml::replay {
namespace {

struct Recorded {
  std::string path;
  std::string json;
  std::string junit;
  std::string html;
};

// a: [2, 3] contiguous; b: a transposed view of a [3, 3] storage at offset 1.
Recorded record(HandMadeTrace& trace) {
  const std::vector<float> a = {1, 2, 3, 4, 5, 6};
  const std::vector<float> b = {0.5f, -1, 2, 0.25f, 8, -3};
  auto A = trace.tensor({2, 3}, a);
  auto B = trace.tensor({2, 3}, b, {1, 2}, 1);
  std::vector<float> sum2(6), prod(6), sum(6);
  for (size_t i = 0; i < 6; ++i)
    sum2[i] = a[i] + 2 * b[i], prod[i] = a[i] * b[i], sum[i] = a[i] + b[i];
  std::vector<float> wrong = prod;
  wrong[5] += 1.0f;  // [1, 2]

  trace.call("aten::add", "Tensor", kAdd,
             {tensor_arg("self", A), tensor_arg("other", B), int_arg("alpha", 2)},
             {tensor_arg("result", trace.tensor({2, 3}, sum2))});  // 0
  trace.call("aten::mul", "Tensor", kMul, {tensor_arg("self", A), tensor_arg("other", B)},
             {tensor_arg("result", trace.tensor({2, 3}, wrong))});  // 1
  trace.call("aten::add_", "Tensor", kAddInPlace,
             {tensor_arg("self", A, "Tensor(a!)"), tensor_arg("other", B), int_arg("alpha", 1)},
             {tensor_arg("result", trace.tensor({2, 3}, sum), "Tensor(a!)")});  // 2
  trace.call("aten::frobnicate", "", "aten::frobnicate(Tensor self) -> Tensor",
             {tensor_arg("self", A)}, {tensor_arg("result", A)});  // 3
  trace.call("aten::add", "Tensor", kAdd,
             {tensor_arg("self", A), tensor_arg("other", B), int_arg("alpha", 2)},
             {tensor_arg("result", trace.tensor({2, 3}, sum2))}, -1,
             store::kCallCaptured | store::kCallDuplicate);  // 4
  const int64_t parent =
      trace.call("aten::my_composite", "", "aten::my_composite(Tensor self) -> Tensor",
                 {tensor_arg("self", A)}, {tensor_arg("result", trace.tensor({2, 3}, prod))});  // 5
  trace.call("aten::mul", "Tensor", kMul, {tensor_arg("self", A), tensor_arg("other", B)},
             {tensor_arg("result", trace.tensor({2, 3}, prod))}, parent);  // 6
  auto out_entry = trace.tensor({0}, {});
  trace.call(
      "aten::mul", "out", kMulOut,
      {tensor_arg("self", A), tensor_arg("other", B), tensor_arg("out", out_entry, "Tensor(a!)")},
      {tensor_arg("result", trace.tensor({2, 3}, prod), "Tensor(a!)")});  // 7
  return {trace.finish(), trace.file("r.json"), trace.file("r.xml"), trace.file("r.html")};
}

const CallResult* find(const Report& report, int64_t seq) {
  for (const auto& call : report.calls) {
    if (call.seq == seq) return &call;
  }
  return nullptr;
}

TEST(Replay, HandMadeTraceOnCpu) {
  HandMadeTrace trace;
  const Recorded recorded = record(trace);
  auto reader = store::TraceReader::open(recorded.path);
  const backends::Backend* cpu = backends::find_backend("cpu");
  ASSERT_NE(cpu, nullptr);
  auto device = cpu->open(0);
  const Report report = replay(*reader, *cpu, *device, ReplayOptions{});

  ASSERT_NE(find(report, 0), nullptr);
  EXPECT_EQ(find(report, 0)->status, Status::Pass) << find(report, 0)->message;
  ASSERT_NE(find(report, 1), nullptr);
  EXPECT_EQ(find(report, 1)->status, Status::Fail);
  EXPECT_NE(find(report, 1)->message.find("[1, 2]"), std::string::npos) << find(report, 1)->message;
  EXPECT_EQ(find(report, 1)->outputs.at(0).comparison.worst_index, 5);
  EXPECT_EQ(find(report, 2)->status, Status::Pass) << find(report, 2)->message;
  EXPECT_EQ(find(report, 3)->status, Status::Unsupported);
  EXPECT_EQ(find(report, 4), nullptr);  // duplicate: covered, not run
  EXPECT_EQ(find(report, 5), nullptr);  // composite without kernel: its child ran
  EXPECT_EQ(find(report, 6)->status, Status::Pass) << find(report, 6)->message;
  EXPECT_EQ(find(report, 7)->status, Status::Pass) << find(report, 7)->message;

  const Summary& s = report.summary;
  EXPECT_EQ(s.calls, 6);
  EXPECT_EQ(s.passed, 4);
  EXPECT_EQ(s.failed, 1);
  EXPECT_EQ(s.unsupported, 1);
  EXPECT_EQ(s.skipped, 1);
  EXPECT_EQ(s.roots, 7);  // 0, 1, 2, 3, 4, 5, 7
  EXPECT_EQ(s.covered, 6);
  EXPECT_GT(s.input_bytes, 0);

  write_json(recorded.json, report);
  write_junit(recorded.junit, report);
  write_html(recorded.html, report);
  const auto json = nlohmann::json::parse(std::ifstream(recorded.json));
  EXPECT_EQ(json["summary"]["failed"], 1);
  EXPECT_EQ(json["calls"][1]["seq"], 1);
  EXPECT_EQ(json["calls"][1]["outputs"][0]["worst"]["index"], (std::vector<int64_t>{1, 2}));
  std::stringstream junit, html;
  junit << std::ifstream(recorded.junit).rdbuf();
  html << std::ifstream(recorded.html).rdbuf();
  EXPECT_NE(junit.str().find("<failure type=\"FAIL\" message="), std::string::npos);
  EXPECT_NE(junit.str().find("<skipped message=\"unsupported"), std::string::npos);
  EXPECT_NE(html.str().find("<svg"), std::string::npos);
  // Self-contained: nothing to fetch.
  EXPECT_EQ(html.str().find("http"), std::string::npos);
  EXPECT_EQ(html.str().find("<link"), std::string::npos);
  EXPECT_EQ(html.str().find("<script"), std::string::npos);
}

TEST(Replay, FiltersAndFailFast) {
  HandMadeTrace trace;
  const Recorded recorded = record(trace);
  auto reader = store::TraceReader::open(recorded.path);
  const backends::Backend* cpu = backends::find_backend("cpu");
  auto device = cpu->open(0);
  ReplayOptions options;
  options.filter.op = store::OpPattern("aten::mul\\..*", "--op");
  const Report only_mul = replay(*reader, *cpu, *device, options);
  EXPECT_EQ(only_mul.summary.calls, 3);  // seqs 1, 6, 7
  EXPECT_EQ(only_mul.summary.failed, 1);

  ReplayOptions fail_fast;
  fail_fast.fail_fast = true;
  const Report stopped = replay(*reader, *cpu, *device, fail_fast);
  EXPECT_TRUE(stopped.summary.stopped_early);
  EXPECT_EQ(stopped.calls.back().seq, 1);
}

Report replay_on_cpu(const std::string& path, const ReplayOptions& options,
                     const char* planted_bug = nullptr) {
  auto reader = store::TraceReader::open(path);
  const backends::Backend* cpu = backends::find_backend("cpu");
  auto device = cpu->open(0);
  if (planted_bug) setenv("TAPML_PLANT_BUG", planted_bug, 1);
  Report report = replay(*reader, *cpu, *device, options);
  unsetenv("TAPML_PLANT_BUG");
  return report;
}

TEST(Replay, EveryStatusOfTheHandMadeTrace) {
  HandMadeTrace trace;
  const std::string path = record_every_status(trace);
  const Report report = replay_on_cpu(path, ReplayOptions{});
  const Status expected[] = {Status::Pass, Status::Fail, Status::Unsupported, Status::Error,
                             Status::Pass};
  for (int64_t seq = 0; seq < 5; ++seq) {
    ASSERT_NE(find(report, seq), nullptr) << seq;
    EXPECT_EQ(find(report, seq)->status, expected[seq])
        << seq << ": " << find(report, seq)->message;
  }
}

// --repeat 2 with racy-add planted: of the add's two runs, one gets an extra
// in element [0, 0] (which one depends on the dispatches before, in this
// process), so the runs differ by construction. A deterministic FAIL stays
// FAIL, and one run cannot be FLAKY.
TEST(Replay, RepeatMakesARacyAddFlakyAndNamesTheElement) {
  HandMadeTrace trace;
  const std::string path = record_every_status(trace);
  const Report single = replay_on_cpu(path, ReplayOptions{}, "racy-add");
  EXPECT_EQ(single.summary.flaky, 0);

  ReplayOptions twice;
  twice.repeat = 2;
  const Report report = replay_on_cpu(path, twice, "racy-add");
  const CallResult* add = find(report, 0);
  ASSERT_NE(add, nullptr);
  EXPECT_EQ(add->status, Status::Flaky);
  EXPECT_EQ(add->runs, 2);
  // 1 + 0.5 = 1.5; the extra is (1.5 + 1) / 512.
  const std::string where =
      "flaky: output 'result' differs between runs 1 and 2 at [0, 0] (flat 0): ";
  const std::string counted = "; 1 of 6 elements differ";
  EXPECT_TRUE(add->message.starts_with(where + "1.5 vs 1.50488281" + counted) ||
              add->message.starts_with(where + "1.50488281 vs 1.5" + counted))
      << add->message;
  ASSERT_TRUE(add->outputs.at(0).run_difference.has_value());
  EXPECT_EQ(add->outputs.at(0).run_difference->flat_index, 0);
  EXPECT_EQ(find(report, 1)->status, Status::Fail);
  EXPECT_EQ(find(report, 4)->status, Status::Pass);
  EXPECT_EQ(report.summary.flaky, 1);
  EXPECT_EQ(report.ops.at("aten::add.Tensor").flaky, 1);
  EXPECT_EQ(report.summary.calls, 5);
  EXPECT_EQ(report.summary.repeat, 2);

  // Without the planted bug, three runs agree bit for bit.
  ReplayOptions thrice;
  thrice.repeat = 3;
  const Report clean = replay_on_cpu(path, thrice);
  EXPECT_EQ(clean.summary.flaky, 0);
  EXPECT_EQ(find(clean, 0)->status, Status::Pass);
}

// A call announced for three runs that stops at the first (ERROR) keeps
// nothing uploaded for the two runs that never come.
TEST(Replay, CallStoppedBeforeItsLastRunFreesItsCachedInputs) {
  HandMadeTrace trace;
  const std::string path = record_every_status(trace);
  auto reader = store::TraceReader::open(path);
  const backends::Backend* cpu = backends::find_backend("cpu");
  auto device = cpu->open(0);
  const TolerancePolicy tolerance = TolerancePolicy::defaults();
  CallRunner runner(*reader, *cpu, *device, tolerance);
  const store::Call erroring = reader->call(3);
  for (int run = 0; run < 3; ++run) runner.builder().expect_uses(erroring);
  std::string skipped;
  const auto result = runner.run(erroring, &skipped, 3);
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->status, Status::Error) << result->message;
  EXPECT_EQ(runner.builder().cached_bytes(), 0u);
}

// A flaky call whose first run is also out of tolerance is FLAKY, and its
// message says both. Two adds run three times each: the extra lands on run 1
// of exactly one of them, whose recorded result then does not match.
TEST(Replay, FlakyWinsOverFailAndSaysBoth) {
  HandMadeTrace trace;
  const std::vector<float> a = {1, 2, 3, 4, 5, 6, 7, 8};
  auto A = trace.tensor({8}, a);
  std::vector<float> twice_a(8);
  for (size_t i = 0; i < 8; ++i) twice_a[i] = 2 * a[i];
  for (int k = 0; k < 2; ++k) {
    trace.call("aten::add", "Tensor", kAdd,
               {tensor_arg("self", A), tensor_arg("other", A), int_arg("alpha", 1)},
               {tensor_arg("result", trace.tensor({8}, twice_a))});
  }
  const std::string path = trace.finish();
  ReplayOptions thrice;
  thrice.repeat = 3;
  const Report report = replay_on_cpu(path, thrice, "racy-add");
  ASSERT_EQ(report.calls.size(), 2u);
  int also_failing = 0;
  for (const CallResult& call : report.calls) {
    EXPECT_EQ(call.status, Status::Flaky) << call.message;
    also_failing += call.message.find("; run 1 also fails: result: ") != std::string::npos;
  }
  EXPECT_EQ(also_failing, 1) << report.calls[0].message << "\n" << report.calls[1].message;
  EXPECT_EQ(report.summary.failed, 0);
  EXPECT_EQ(report.summary.flaky, 2);
}

// The program of record() recorded again after other calls (another op, a
// view): every seq moves, every case name and occurrence stays.
TEST(Replay, CaseNamesDoNotDependOnSeqs) {
  HandMadeTrace first("first"), second("second");
  const Recorded a = record(first);
  auto X = second.tensor({4}, {1, 2, 3, 4});
  second.call("aten::tanh", "", "aten::tanh(Tensor self) -> Tensor", {tensor_arg("self", X)},
              {tensor_arg("result", second.tensor({4}, {0.76159416f, 0.96402758f, 0.99505475f,
                                                        0.99932930f}))});
  second.call("aten::view", "", "aten::view(Tensor(a) self, SymInt[] size) -> Tensor(a)",
              {tensor_arg("self", X)}, {tensor_arg("result", X)});
  const Recorded b = record(second);
  const Report ra = replay_on_cpu(a.path, ReplayOptions{});
  const Report rb = replay_on_cpu(b.path, ReplayOptions{});
  write_junit(a.junit, ra);
  write_junit(b.junit, rb);
  // Each call of the program, by its seq in the first trace (the second
  // trace holds it 2 seqs later).
  for (const CallResult& call : ra.calls) {
    const CallResult* again = find(rb, call.seq + 2);
    ASSERT_NE(again, nullptr) << call.seq;
    EXPECT_EQ(again->op, call.op);
    EXPECT_FALSE(call.case_name.full().empty());
    EXPECT_EQ(occurrence_name(again->case_name, again->occurrence),
              occurrence_name(call.case_name, call.occurrence));
  }
  // The JUnit files name the same testcases, but for the added tanh.
  auto testcases = [](const std::string& path) {
    std::stringstream text;
    text << std::ifstream(path).rdbuf();
    std::set<std::string> names;
    const std::regex testcase("<testcase classname=\"([^\"]*)\" name=\"([^\"]*)\"");
    const std::string s = text.str();
    for (auto it = std::sregex_iterator(s.begin(), s.end(), testcase); it != std::sregex_iterator();
         ++it) {
      if ((*it)[1] != "tapml.cpu.aten_tanh") names.insert((*it)[1].str() + " " + (*it)[2].str());
    }
    return names;
  };
  const std::set<std::string> names = testcases(a.junit);
  EXPECT_EQ(names, testcases(b.junit));
  EXPECT_TRUE(names.count("tapml.cpu.aten_mul_Tensor f32_2x3_2x3_strided#1")) << *names.begin();
  EXPECT_TRUE(names.count("tapml.cpu.aten_mul_Tensor f32_2x3_2x3_strided#2"));
}

}  // namespace
}  // namespace tapml::replay
