// Tensors written below the dispatcher (tests/recorder/programs/
// written_below_dispatcher.py): histc's kernel fills a zeroed scratch tensor
// through raw pointers, then sums it with aten::sum.IntList_out. The trace
// must hold the filled scratch, and the verification mode (verify_capture)
// must find no cache hit whose memory changed; with the cache trusted as it
// was before the fix (TAPML_PLANT_BUG=trust-tensor-cache) both must fail.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstring>
#include <filesystem>
#include <numeric>

#include "recorder/launch/launch.h"
#include "store/reader.h"

namespace fs = std::filesystem;
using namespace tapml::store;

namespace {

struct Recording {
  int exit_code = -1;
  std::string err;
  std::unique_ptr<TraceReader> trace;
};

// Records the program into the scratch folder; `extra` adds tapml-record
// flags, `program_args` the program's own.
Recording record(const std::string& name, std::vector<std::string> extra,
                 const std::string& program_args = "") {
  const fs::path dir = fs::path(TAPML_TEST_SCRATCH) / "written_below";
  fs::create_directories(dir);
  const std::string output = (dir / (name + ".h5")).string();
  std::vector<std::string> args = {TAPML_RECORD_BIN,
                                   "--command",
                                   std::string("{python} ") + TAPML_TEST_PROGRAMS +
                                       "/written_below_dispatcher.py " + program_args,
                                   "--output",
                                   output,
                                   "-q"};
  args.insert(args.end(), extra.begin(), extra.end());
  const auto run =
      tapml::recorder::run_capture(args, tapml::recorder::current_environment(), dir.string());
  Recording recording;
  recording.exit_code = WIFEXITED(run.status) ? WEXITSTATUS(run.status) : -1;
  recording.err = run.err;
  if (recording.exit_code == 0) recording.trace = TraceReader::open(output);
  return recording;
}

std::vector<float> floats(const TraceReader& trace, const TensorMeta& meta) {
  std::vector<std::byte> bytes = trace.read_tensor(meta.hash);
  std::vector<float> values(bytes.size() / sizeof(float));
  std::memcpy(values.data(), bytes.data(), bytes.size());
  return values;
}

// histc's aten::sum.IntList_out: the rows of its scratch it read, summed, and
// the counts it returned.
struct HistcSum {
  int64_t seq = -1;
  std::vector<float> summed_input;
  std::vector<float> result;
};

// The first of them from call `from` on.
HistcSum histc_sum(const TraceReader& trace, size_t from = 0) {
  for (size_t i = from; i < trace.num_calls(); ++i) {
    const Call call = trace.call(i);
    if (call.full_name() != "aten::sum.IntList_out" || call.parent < 0 ||
        trace.call(static_cast<size_t>(call.parent)).full_name() != "aten::histc") {
      continue;
    }
    const TensorMeta& self = call.inputs.at(0).value.tensor;
    EXPECT_EQ(self.sizes.size(), 2u);
    HistcSum found;
    found.seq = call.seq;
    const std::vector<float> rows = floats(trace, self);
    const size_t bins = static_cast<size_t>(self.sizes.at(1));
    found.summed_input.assign(bins, 0.0f);
    for (size_t j = 0; j < rows.size(); ++j) found.summed_input[j % bins] += rows[j];
    found.result = floats(trace, call.outputs.at(0).value.tensor);
    return found;
  }
  ADD_FAILURE() << "no aten::sum.IntList_out inside aten::histc";
  return {};
}

int64_t disagreements(const TraceReader& trace) {
  const auto& extra = trace.meta().extra;
  EXPECT_EQ(extra.count("capture_verified"), 1u);
  auto it = extra.find("capture_disagreements");
  return it == extra.end() ? -1 : std::stoll(it->second);
}

const std::vector<float> kExpertCounts = {3, 5, 5, 7};

TEST(WrittenBelowDispatcher, HistcsSumReadsTheScratchItsKernelFilled) {
  Recording recording = record("default", {});
  ASSERT_EQ(recording.exit_code, 0) << recording.err;
  const HistcSum sum = histc_sum(*recording.trace);
  EXPECT_EQ(sum.result, kExpertCounts);
  EXPECT_EQ(sum.summed_input, kExpertCounts);  // all zeros when the cache served the stale scratch
  EXPECT_EQ(recording.trace->meta().extra.count("capture_verified"), 0u);
}

TEST(WrittenBelowDispatcher, VerifyModeFindsNoDisagreement) {
  Recording recording = record("verified", {"--verify-capture", "true"});
  ASSERT_EQ(recording.exit_code, 0) << recording.err;
  EXPECT_EQ(disagreements(*recording.trace), 0);
  EXPECT_EQ(recording.err.find("capture disagreement"), std::string::npos) << recording.err;
  EXPECT_EQ(histc_sum(*recording.trace).summed_input, kExpertCounts);
}

// The planted bug restores the old trust in the cache: the stale scratch is
// carved again, and the verification mode reports it, naming op, argument
// and seq.
TEST(WrittenBelowDispatcher, VerifyModeCatchesATrustedStaleCache) {
  Recording recording = record(
      "trusted", {"--verify-capture", "true", "--env", "TAPML_PLANT_BUG=trust-tensor-cache"});
  ASSERT_EQ(recording.exit_code, 0) << recording.err;
  EXPECT_GT(disagreements(*recording.trace), 0);
  EXPECT_NE(recording.err.find("capture disagreement: aten::sum.IntList_out seq "),
            std::string::npos)
      << recording.err;
  EXPECT_NE(recording.err.find("argument self"), std::string::npos) << recording.err;
  EXPECT_EQ(histc_sum(*recording.trace).summed_input, std::vector<float>(4, 0.0f));
}

// Values of 64 KiB and up are written later, from the tensor's memory, on
// the writer's thread. Inside histc, its kernel fills the scratch right
// after aten::zeros returns it: values of a nested call are written at once,
// or the trace would store the filled scratch under the zeros' hash (a
// damaged trace, and a wrong input for the sum).
TEST(WrittenBelowDispatcher, ALargeScratchIsStoredAsItWasWhileValuesAreQueued) {
  Recording recording = record("queued", {}, "--queued");
  ASSERT_EQ(recording.exit_code, 0) << recording.err;
  EXPECT_EQ(recording.trace->verify(), std::vector<std::string>{});
  const HistcSum first = histc_sum(*recording.trace);
  const HistcSum large = histc_sum(*recording.trace, static_cast<size_t>(first.seq) + 1);
  ASSERT_EQ(large.result.size(), 100000u);
  EXPECT_EQ(large.summed_input, large.result);
  EXPECT_EQ(std::accumulate(large.result.begin(), large.result.end(), 0.0), 200000.0);
}

}  // namespace
