// The replay loop on a small trace written with the store's writer and run on
// the real CPU backend: strided inputs, in-place and out= calls, a recorded
// value the kernel cannot match, an op no backend has, a duplicate, and a
// composite op the replayer must descend into.
#include "replayer/replayer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "store/writer.h"

namespace tapml::replay {
namespace {

class HandMadeTrace {
 public:
  HandMadeTrace()
      : dir_(std::filesystem::path(::testing::TempDir()) /
             ("tapml-replay-" + std::to_string(::getpid()))),
        path_((dir_ / "hand.h5").string()) {
    std::filesystem::create_directories(dir_);
    store::TraceMeta meta;
    meta.runtime = "hand-made";
    writer_ = store::TraceWriter::create(path_, meta);
  }
  ~HandMadeTrace() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  // A float32 tensor seen through the given view; `values` in row-major order of sizes.
  store::TensorMeta tensor(std::vector<int64_t> sizes, const std::vector<float>& values,
                           std::vector<int64_t> strides = {}, int64_t offset = 0) {
    store::TensorMeta meta;
    meta.dtype = DType::Float32;
    meta.sizes = sizes;
    meta.strides = strides.empty() ? backends::contiguous_strides(sizes) : strides;
    meta.storage_offset = offset;
    std::vector<std::byte> bytes(values.size() * sizeof(float));
    if (!bytes.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());  // empty: no data
    meta.hash = store::tensor_hash(meta.dtype, sizes, bytes.data(), bytes.size());
    if (!writer_->has_tensor(meta.hash)) {
      writer_->put_tensor(meta.hash, meta.dtype, sizes, std::move(bytes));
    }
    return meta;
  }

  int64_t call(const std::string& name, const std::string& overload, const std::string& schema,
               std::vector<store::Arg> inputs, std::vector<store::Arg> outputs,
               int64_t parent = -1, uint32_t flags = store::kCallCaptured) {
    store::Call c;
    c.seq = next_seq_++;
    c.name = name;
    c.overload = overload;
    c.schema = schema;
    c.parent = parent;
    c.depth = parent < 0 ? 0 : 1;
    c.scope = "model.block";
    c.flags = flags;
    c.inputs = std::move(inputs);
    c.outputs = std::move(outputs);
    writer_->put_call(c);
    return c.seq;
  }

  std::string finish() {
    writer_->close();
    store::finish_trace(path_ + ".spool", path_);
    return path_;
  }
  std::string file(const std::string& name) const { return (dir_ / name).string(); }

 private:
  std::filesystem::path dir_;
  std::string path_;
  std::unique_ptr<store::TraceWriter> writer_;
  int64_t next_seq_ = 0;
};

store::Arg tensor_arg(const std::string& name, const store::TensorMeta& meta,
                      const std::string& type = "Tensor") {
  store::Arg arg{name, type, {}};
  arg.value.kind = store::ValueKind::Tensor;
  arg.value.tensor = meta;
  return arg;
}

store::Arg int_arg(const std::string& name, int64_t value) {
  store::Arg arg{name, "Scalar", {}};
  arg.value.kind = store::ValueKind::Int;
  arg.value.i = value;
  return arg;
}

constexpr const char* kAdd = "aten::add.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor";
constexpr const char* kMul = "aten::mul.Tensor(Tensor self, Tensor other) -> Tensor";
constexpr const char* kAddInPlace =
    "aten::add_.Tensor(Tensor(a!) self, Tensor other, *, Scalar alpha=1) -> Tensor(a!)";
constexpr const char* kMulOut =
    "aten::mul.out(Tensor self, Tensor other, *, Tensor(a!) out) -> Tensor(a!)";

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
  for (size_t i = 0; i < 6; ++i) sum2[i] = a[i] + 2 * b[i], prod[i] = a[i] * b[i], sum[i] = a[i] + b[i];
  std::vector<float> wrong = prod;
  wrong[5] += 1.0f;  // [1, 2]

  trace.call("aten::add", "Tensor", kAdd, {tensor_arg("self", A), tensor_arg("other", B), int_arg("alpha", 2)},
             {tensor_arg("result", trace.tensor({2, 3}, sum2))});                                     // 0
  trace.call("aten::mul", "Tensor", kMul, {tensor_arg("self", A), tensor_arg("other", B)},
             {tensor_arg("result", trace.tensor({2, 3}, wrong))});                                    // 1
  trace.call("aten::add_", "Tensor", kAddInPlace,
             {tensor_arg("self", A, "Tensor(a!)"), tensor_arg("other", B), int_arg("alpha", 1)},
             {tensor_arg("result", trace.tensor({2, 3}, sum), "Tensor(a!)")});                        // 2
  trace.call("aten::frobnicate", "", "aten::frobnicate(Tensor self) -> Tensor", {tensor_arg("self", A)},
             {tensor_arg("result", A)});                                                              // 3
  trace.call("aten::add", "Tensor", kAdd, {tensor_arg("self", A), tensor_arg("other", B), int_arg("alpha", 2)},
             {tensor_arg("result", trace.tensor({2, 3}, sum2))}, -1,
             store::kCallCaptured | store::kCallDuplicate);                                           // 4
  const int64_t parent = trace.call("aten::my_composite", "", "aten::my_composite(Tensor self) -> Tensor",
                                    {tensor_arg("self", A)}, {tensor_arg("result", trace.tensor({2, 3}, prod))});  // 5
  trace.call("aten::mul", "Tensor", kMul, {tensor_arg("self", A), tensor_arg("other", B)},
             {tensor_arg("result", trace.tensor({2, 3}, prod))}, parent);                             // 6
  auto out_entry = trace.tensor({0}, {});
  trace.call("aten::mul", "out", kMulOut,
             {tensor_arg("self", A), tensor_arg("other", B), tensor_arg("out", out_entry, "Tensor(a!)")},
             {tensor_arg("result", trace.tensor({2, 3}, prod), "Tensor(a!)")});                       // 7
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
  EXPECT_NE(junit.str().find("<failure message="), std::string::npos);
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

}  // namespace
}  // namespace tapml::replay
