// Traces recorded by tapml-record (the ctest fixtures recorder.record_minilm
// and recorder.record_small_ops), read back through the store's reader.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <regex>
#include <set>

#include "store/op_classes.h"
#include "store/reader.h"

using namespace tapml::store;

namespace {

struct Trace {
  std::unique_ptr<TraceReader> reader;
  std::vector<Call> calls;
};

Trace load(const char* path) {
  Trace trace;
  trace.reader = TraceReader::open(path);
  for (size_t i = 0; i < trace.reader->num_calls(); ++i) {
    trace.calls.push_back(trace.reader->call(i));
  }
  return trace;
}

std::vector<const Call*> calls_named(const Trace& trace, const std::string& full_name) {
  std::vector<const Call*> found;
  for (const Call& call : trace.calls) {
    if (call.full_name() == full_name) found.push_back(&call);
  }
  return found;
}

const Arg& arg_named(const std::vector<Arg>& args, const std::string& name) {
  for (const Arg& arg : args) {
    if (arg.name == name) return arg;
  }
  throw std::runtime_error("no argument " + name);
}

std::vector<float> floats(const TraceReader& reader, const TensorMeta& meta) {
  EXPECT_EQ(meta.dtype, DType::Float32);
  std::vector<std::byte> bytes = reader.read_tensor(meta.hash);
  std::vector<float> values(bytes.size() / sizeof(float));
  std::memcpy(values.data(), bytes.data(), bytes.size());
  return values;
}

void collect_dtypes(const Value& value, std::set<DType>& dtypes) {
  if (value.kind == ValueKind::Tensor && value.tensor.captured()) dtypes.insert(value.tensor.dtype);
  for (const auto& slot : value.tensors) {
    if (slot && slot->captured()) dtypes.insert(slot->dtype);
  }
}

// One recorded trace read once for a suite. A trace that cannot be read
// fails every test of the suite (gtest would report an exception thrown in
// SetUpTestSuite as skipped tests, which pass unnoticed).
template <const char* const* Path>
class TraceSuite : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    try {
      trace_ = new Trace(load(*Path));
    } catch (const std::exception& e) {
      error_ = e.what();
    }
  }
  static void TearDownTestSuite() {
    delete trace_;
    trace_ = nullptr;
  }
  void SetUp() override { ASSERT_NE(trace_, nullptr) << error_; }
  static inline Trace* trace_ = nullptr;
  static inline std::string error_;
};

constexpr const char* kMiniLMTrace = TAPML_MINILM_TRACE;
constexpr const char* kSmallOpsTrace = TAPML_SMALL_OPS_TRACE;
using MiniLM = TraceSuite<&kMiniLMTrace>;

TEST_F(MiniLM, CallsAreInOrderWithAtenNamesOverloadsAndSchemas) {
  ASSERT_GT(trace_->calls.size(), 1000u);
  int64_t previous_start = -1;
  for (size_t i = 0; i < trace_->calls.size(); ++i) {
    const Call& call = trace_->calls[i];
    ASSERT_EQ(call.seq, static_cast<int64_t>(i));
    ASSERT_NE(call.name.find("::"), std::string::npos) << call.name;
    ASSERT_FALSE(call.schema.empty()) << call.name;
    if (call.thread == trace_->calls[0].thread) {
      EXPECT_GE(call.start_ns, previous_start);
      previous_start = call.start_ns;
    }
    EXPECT_GE(call.end_ns, call.start_ns);
  }
  auto adds = calls_named(*trace_, "aten::add.Tensor");
  ASSERT_FALSE(adds.empty());
  EXPECT_EQ(adds[0]->overload, "Tensor");
  EXPECT_NE(adds[0]->schema.find("aten::add.Tensor(Tensor self, Tensor other, *, Scalar alpha=1)"),
            std::string::npos);
  EXPECT_FALSE(calls_named(*trace_, "aten::softmax.int").empty() &&
               calls_named(*trace_, "aten::_safe_softmax").empty() &&
               calls_named(*trace_, "aten::scaled_dot_product_attention").empty());
}

TEST_F(MiniLM, CallsFormATreeWithParentsAndDepths) {
  size_t linear_with_addmm = 0;
  for (const Call& call : trace_->calls) {
    if (call.parent < 0) {
      EXPECT_EQ(call.depth, 0);
      continue;
    }
    ASSERT_LT(call.parent, call.seq);
    const Call& parent = trace_->calls[static_cast<size_t>(call.parent)];
    EXPECT_EQ(call.depth, parent.depth + 1);
    EXPECT_EQ(call.thread, parent.thread);
    EXPECT_LE(parent.start_ns, call.start_ns);
    EXPECT_GE(parent.end_ns, call.end_ns);
    if (call.name == "aten::addmm" && parent.name == "aten::linear") ++linear_with_addmm;
  }
  // Six layers of four attention and two feed-forward linears.
  EXPECT_GE(linear_with_addmm, 36u);
}

TEST_F(MiniLM, CallsKnowTheirModule) {
  size_t in_layer0 = 0, query_linears = 0;
  for (const Call& call : trace_->calls) {
    if (call.scope.find("encoder.layer.0.") != std::string::npos) ++in_layer0;
    if (call.name == "aten::linear" &&
        call.scope.ends_with("encoder.layer.0.attention.self.query")) {
      ++query_linears;
    }
  }
  EXPECT_GT(in_layer0, 10u);
  EXPECT_EQ(query_linears, 1u);
}

TEST_F(MiniLM, ViewOpsStayInTheTreeWithoutValues) {
  size_t views = 0;
  for (const Call& call : trace_->calls) {
    if (classify_op(call.name) != OpClass::ViewOrMeta) continue;
    ++views;
    EXPECT_TRUE(call.flags & kCallViewOrMeta) << call.full_name();
    EXPECT_FALSE(call.captured()) << call.full_name();
    for (const Arg& arg : call.inputs) {
      if (arg.value.kind == ValueKind::Tensor) {
        EXPECT_FALSE(arg.value.tensor.captured());
        EXPECT_FALSE(arg.value.tensor.sizes.empty() && arg.value.tensor.strides.size() != 0);
      }
    }
  }
  EXPECT_GT(views, 100u);
}

TEST_F(MiniLM, ComputeCallsHoldEveryTensorDtypeTheModelUses) {
  std::set<DType> dtypes;
  size_t captured = 0;
  for (const Call& call : trace_->calls) {
    if (!call.captured()) continue;
    ++captured;
    for (const Arg& arg : call.inputs) collect_dtypes(arg.value, dtypes);
    for (const Arg& arg : call.outputs) collect_dtypes(arg.value, dtypes);
  }
  EXPECT_GT(captured, 200u);
  EXPECT_TRUE(dtypes.count(DType::Float32));
  EXPECT_TRUE(dtypes.count(DType::Int64));
  EXPECT_TRUE(dtypes.count(DType::Bool));
}

TEST_F(MiniLM, StoredValuesMatchTheirHashesAndEveryReferenceResolves) {
  EXPECT_TRUE(trace_->reader->verify().empty());
  std::set<std::string> stored;
  for (const StoredTensor& t : trace_->reader->tensors()) stored.insert(t.hash);
  for (const Call& call : trace_->calls) {
    for (const auto* args : {&call.inputs, &call.outputs}) {
      for (const Arg& arg : *args) {
        if (arg.value.kind == ValueKind::Tensor && arg.value.tensor.captured()) {
          ASSERT_TRUE(stored.count(arg.value.tensor.hash)) << call.full_name() << " " << arg.name;
        }
      }
    }
  }
}

// A replayer needs the values of every tensor a captured call reads; only
// tensors the call overwrites (out=, copy_'s self) may come without them.
// Calls on meta tensors (the model built before its weights load) have no
// values at all and must stay uncaptured.
TEST_F(MiniLM, CapturedCallsHoldTheValuesOfEveryTensorTheyRead) {
  size_t meta_calls = 0, read_tensors = 0;
  for (const Call& call : trace_->calls) {
    for (const Arg& arg : call.inputs) {
      std::vector<const TensorMeta*> tensors;
      if (arg.value.kind == ValueKind::Tensor) tensors.push_back(&arg.value.tensor);
      for (const auto& slot : arg.value.tensors) {
        if (slot) tensors.push_back(&*slot);
      }
      for (const TensorMeta* t : tensors) {
        if (t->device == "meta") {
          ++meta_calls;
          EXPECT_FALSE(call.captured()) << call.seq << " " << call.full_name();
        } else if (call.captured() && !t->captured()) {
          EXPECT_NE(call.schema.find("!) " + arg.name), std::string::npos)
              << call.seq << " " << call.full_name() << " " << arg.name;
        } else if (call.captured()) {
          ++read_tensors;
        }
      }
    }
  }
  EXPECT_GT(meta_calls, 0u) << "sentence-transformers builds MiniLM on the meta device";
  EXPECT_GT(read_tensors, 500u);
}

TEST_F(MiniLM, MetadataNamesTheRun) {
  const TraceMeta& meta = trace_->reader->meta();
  EXPECT_EQ(meta.runtime, "pytorch");
  EXPECT_FALSE(meta.runtime_version.empty());
  EXPECT_EQ(meta.model, "all-MiniLM-L6-v2");
  EXPECT_NE(meta.command.find("driver.py"), std::string::npos);
  EXPECT_NE(meta.config.find("command"), std::string::npos);
  EXPECT_EQ(meta.device, "cpu");
}

using SmallOps = TraceSuite<&kSmallOpsTrace>;

TEST_F(SmallOps, TheBootNotesPythonsVersionBeforeTheFirstCall) {
  // Set at `import torch`, before the first operator call opens the spool.
  const auto& extra = trace_->reader->meta().extra;
  ASSERT_TRUE(extra.count("python_version"));
  EXPECT_TRUE(std::regex_match(extra.at("python_version"), std::regex(R"(3\.\d+\.\d+.*)")))
      << extra.at("python_version");
}

TEST_F(SmallOps, OperatorsInExitHandlersAreRecordedBeforeTheSpoolCloses) {
  const auto cumsums = calls_named(*trace_, "aten::cumsum");
  ASSERT_EQ(cumsums.size(), 1u);
  EXPECT_TRUE(cumsums[0]->flags & kCallCaptured);
}

TEST_F(SmallOps, InPlaceInputsAreSnapshotBeforeTheOpChangesThem) {
  auto adds = calls_named(*trace_, "aten::add_.Tensor");
  ASSERT_FALSE(adds.empty());
  const Call& add = *adds[0];
  ASSERT_TRUE(add.captured());
  const TensorMeta& before = arg_named(add.inputs, "self").value.tensor;
  const TensorMeta& after = add.outputs.at(0).value.tensor;
  EXPECT_EQ(floats(*trace_->reader, before), (std::vector<float>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(floats(*trace_->reader, after), (std::vector<float>{1, 2, 3, 4, 5, 6}));
}

// Large values are written behind the program's back (store/values_queue.h);
// in-place ops on them must not change what the trace holds.
TEST_F(SmallOps, LargeValuesChangedInPlaceRightAwayKeepTheirValues) {
  std::vector<float> expected(65536);
  for (size_t i = 0; i < expected.size(); ++i) expected[i] = static_cast<float>(i);
  auto muls = calls_named(*trace_, "aten::mul_.Tensor");  // the 2 becomes a 0-d tensor
  auto adds = calls_named(*trace_, "aten::add_.Tensor");
  ASSERT_EQ(muls.size(), 1u);
  ASSERT_FALSE(adds.empty());
  const Call& add = *adds.back();  // big.add_(big), the program's last
  ASSERT_TRUE(muls[0]->captured() && add.captured());
  EXPECT_EQ(floats(*trace_->reader, arg_named(muls[0]->inputs, "self").value.tensor), expected);
  for (float& v : expected) v *= 2;
  EXPECT_EQ(floats(*trace_->reader, muls[0]->outputs.at(0).value.tensor), expected);
  EXPECT_EQ(floats(*trace_->reader, arg_named(add.inputs, "self").value.tensor), expected);
  for (float& v : expected) v *= 2;
  EXPECT_EQ(floats(*trace_->reader, add.outputs.at(0).value.tensor), expected);
}

TEST_F(SmallOps, StridedInputsKeepTheirLayoutAndRowMajorValues) {
  const Call* mul = nullptr;
  for (const Call* call : calls_named(*trace_, "aten::mul.Tensor")) {
    if (arg_named(call->inputs, "self").value.tensor.strides == std::vector<int64_t>{1, 4}) {
      mul = call;
    }
  }
  ASSERT_NE(mul, nullptr);
  const TensorMeta& self = arg_named(mul->inputs, "self").value.tensor;
  EXPECT_EQ(self.sizes, (std::vector<int64_t>{4, 3}));
  EXPECT_EQ(self.storage_offset, 0);
  std::vector<float> expected;
  for (int i = 0; i < 4; ++i) {
    for (int j = 0; j < 3; ++j) expected.push_back(static_cast<float>(j * 4 + i));
  }
  EXPECT_EQ(floats(*trace_->reader, self), expected);
  // A dense permutation is stored as a view of the memory it reorders.
  const StoredTensor stored = trace_->reader->tensor_info(self.hash);
  EXPECT_FALSE(stored.view_of.empty());
  EXPECT_EQ(stored.dims, (std::vector<int64_t>{1, 0}));
}

TEST_F(SmallOps, TransposedWeightIsAViewOfTheWeight) {
  auto linears = calls_named(*trace_, "aten::linear");
  ASSERT_FALSE(linears.empty());
  const TensorMeta& weight = arg_named(linears[0]->inputs, "weight").value.tensor;
  const Call* matmul = nullptr;
  for (const Call& call : trace_->calls) {
    if (call.parent == linears[0]->seq && (call.name == "aten::addmm" || call.name == "aten::mm")) {
      matmul = &call;
    }
  }
  ASSERT_NE(matmul, nullptr) << "linear ran no addmm/mm";
  const TensorMeta& transposed = arg_named(matmul->inputs, "mat2").value.tensor;
  ASSERT_TRUE(transposed.captured());
  EXPECT_EQ(transposed.sizes, (std::vector<int64_t>{weight.sizes[1], weight.sizes[0]}));
  const StoredTensor stored = trace_->reader->tensor_info(transposed.hash);
  EXPECT_EQ(stored.view_of, weight.hash);
  EXPECT_EQ(stored.stored_bytes, 0u);
  // Named by the weight and dims, without reading the transposed values.
  EXPECT_EQ(transposed.hash, view_hash(weight.hash, {1, 0}));
  // Its values read back transposed.
  const std::vector<float> w = floats(*trace_->reader, weight);
  const std::vector<float> t = floats(*trace_->reader, transposed);
  const auto rows = static_cast<size_t>(weight.sizes[0]);
  const auto cols = static_cast<size_t>(weight.sizes[1]);
  ASSERT_EQ(t.size(), rows * cols);
  for (size_t i = 0; i < cols; ++i) {
    for (size_t j = 0; j < rows; ++j) ASSERT_EQ(t[i * rows + j], w[j * cols + i]);
  }
}

TEST_F(SmallOps, IntegerAndBoolTensorsAreCaptured) {
  auto gts = calls_named(*trace_, "aten::gt.Scalar");
  ASSERT_FALSE(gts.empty());
  EXPECT_EQ(arg_named(gts[0]->inputs, "self").value.tensor.dtype, DType::Int64);
  const TensorMeta& mask = gts[0]->outputs.at(0).value.tensor;
  EXPECT_EQ(mask.dtype, DType::Bool);
  std::vector<std::byte> bytes = trace_->reader->read_tensor(mask.hash);
  ASSERT_EQ(bytes.size(), 3u);
  EXPECT_EQ(bytes[0], std::byte{0});
  EXPECT_EQ(bytes[1], std::byte{1});
  EXPECT_EQ(bytes[2], std::byte{1});
  auto scalar_args = arg_named(gts[0]->inputs, "other").value;
  EXPECT_EQ(scalar_args.kind, ValueKind::Int);
  EXPECT_EQ(scalar_args.i, 1);
}

TEST_F(SmallOps, AnUnchangedWeightIsHashedOnceAndAChangedOneAgain) {
  auto linears = calls_named(*trace_, "aten::linear");
  ASSERT_EQ(linears.size(), 23u);
  const std::string first = arg_named(linears[0]->inputs, "weight").value.tensor.hash;
  for (size_t i = 0; i < 20; ++i) {
    EXPECT_EQ(arg_named(linears[i]->inputs, "weight").value.tensor.hash, first);
  }
  // weight.add_(1) bumped its version counter: hashed again, different values.
  const std::string changed = arg_named(linears[20]->inputs, "weight").value.tensor.hash;
  EXPECT_NE(changed, first);
  size_t stored_as_weight = 0;
  for (const StoredTensor& t : trace_->reader->tensors()) stored_as_weight += t.hash == first;
  EXPECT_EQ(stored_as_weight, 1u);
  // The tensor cache served the weight's later uses without hashing it.
  const auto& extra = trace_->reader->meta().extra;
  ASSERT_TRUE(extra.count("tensor_cache_hits"));
  EXPECT_GE(std::stoll(extra.at("tensor_cache_hits")), 19 * 2);
}

TEST_F(SmallOps, RepeatedIdenticalCallsAreFlaggedDuplicates) {
  auto linears = calls_named(*trace_, "aten::linear");
  ASSERT_EQ(linears.size(), 23u);
  EXPECT_FALSE(linears[20]->flags & kCallDuplicate);
  EXPECT_FALSE(linears[21]->flags & kCallDuplicate);  // ones(2, 4) after the weight changed
  EXPECT_TRUE(linears[22]->flags & kCallDuplicate);   // the same again
  EXPECT_TRUE(linears[22]->captured());
  EXPECT_EQ(linears[22]->outputs.at(0).value.tensor.hash,
            linears[21]->outputs.at(0).value.tensor.hash);
  EXPECT_EQ(linears[0]->scope, "Linear");
}

}  // namespace
