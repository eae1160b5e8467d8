// Comparing two traces of the same program call by call (`tapml-trace diff`):
// typically a reference run and a hybrid run whose ops were moved to a target
// backend. The streams are aligned by position and op name, the outputs of
// every aligned compute call are compared with the replayer's comparison and
// tolerance policy, and the run is judged end to end on its final outputs and,
// for generation, on its generated token ids. docs/migrate.md describes it.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "replayer/compare.h"
#include "replayer/tolerance.h"
#include "store/reader.h"

namespace tapml::migrate {

// The two traces are not two runs of one program (different model or
// command, or op streams that differ from the first call): a CLI prints the
// message as one line and exits 2.
class DiffInputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The pseudo op name under which the end-to-end tolerance is looked up in
// DiffOptions::tolerance (a tolerance file's rule with op = "tapml::end_to_end"
// overrides the built-in one).
inline constexpr const char* kEndToEndOp = "tapml::end_to_end";

// The replayer's built-in rules plus the end-to-end rule for floating final
// outputs (NMSE 1e-5, atol 1e-2, rtol 1e-2: errors of many kernels add up).
replay::TolerancePolicy default_diff_policy();

struct DiffOptions {
  // Per-call bounds (rules keyed by op, dtype and target) and the end-to-end
  // bound (op kEndToEndOp). Load a --tolerance FILE into it to override.
  replay::TolerancePolicy tolerance = default_diff_policy();
  // The target the tolerance rules are looked up for; empty: the other
  // trace's metadata key "offload_target", else "cpu".
  std::string target;
  // Regex (full match against "aten::add.Tensor" or "aten::add") of the
  // depth-0 calls whose outputs are the run's final outputs; empty: the last
  // aligned depth-0 compute call with a captured floating output (the logits
  // a generation step ends with, the embeddings of an encoder).
  std::string final_op;
  // Regex of the depth-0 calls whose integer outputs, in order, are the
  // generated token ids (greedy decoding picks each token with argmax).
  std::string token_op = "aten::argmax";
  // Module paths are summarised by their first `scope_depth` dotted
  // components; 0: up to and including the first numeric one, so
  // "model.layers.3.mlp.down_proj" counts towards "model.layers.3".
  int scope_depth = 0;
  // Refuse traces whose model or command metadata differ (DiffInputError).
  bool check_metadata = true;
};

// One output tensor of an aligned call pair.
struct TensorDiff {
  std::string arg;  // "result", "out", "result1", or "result[2]" for list elements
  DType dtype = DType::Float32;
  std::vector<int64_t> sizes;
  bool identical = false;  // same content hash: no values read
  bool comparable = true;  // false: not captured on one side, or shapes/dtypes differ
  std::string problem;     // why not comparable, or the comparison's failure line
  replay::Tolerance tolerance;
  replay::Comparison comparison;  // other (actual) against ref (expected)
};

enum class CallStatus {
  Identical,        // every output has the same hash in both traces
  WithinTolerance,  // outputs differ, every one within its bound
  Beyond,           // some output beyond its bound (or its shape/dtype differs)
  NotCompared,      // no captured tensor output on both sides
};
std::string_view call_status_name(CallStatus status);

// One aligned compute call with captured outputs.
struct CallDiff {
  int64_t ref_seq = 0;
  int64_t other_seq = 0;
  std::string op;     // full name, "aten::addmm" / "aten::softmax.int"
  std::string scope;  // module path of the reference call
  int32_t depth = 0;
  CallStatus status = CallStatus::NotCompared;
  double nmse = 0;               // worst NMSE over floating outputs (0 when identical)
  double max_abs = 0;            // worst |a-b| over all outputs
  int64_t exact_mismatches = 0;  // elements of integer/bool outputs that differ
  std::vector<TensorDiff> outputs;
};

// Where the two call streams pair up. Top-level calls are paired in order
// and by op name; so are the children of each pair. A pair whose children
// differ (an offloaded call skips the reference's decomposition) is counted
// in `subtrees_differing` and its outputs are still compared. The streams
// stop matching at the first top-level pair whose names differ, or where one
// trace ends before the other.
struct Alignment {
  int64_t ref_calls = 0;
  int64_t other_calls = 0;
  int64_t aligned = 0;    // paired calls, all depths
  bool complete = true;   // every top-level call paired, both streams to the end
  int64_t ref_stop = -1;  // seq where the streams stop matching (-1: end of trace)
  int64_t other_stop = -1;
  std::string stop_reason;  // one line; empty when complete
  int64_t subtrees_differing = 0;
  std::vector<std::pair<int64_t, int64_t>> differing_examples;  // first few (ref, other) seqs
};

struct ScopeSummary {
  std::string scope;  // grouped module path; "(top level)" for calls outside any module
  int64_t compared = 0;
  int64_t identical = 0;
  int64_t beyond = 0;
  double max_nmse = 0;
  int64_t worst_ref_seq = -1;  // call with max_nmse
  int64_t first_beyond_ref_seq = -1;
};

// The first call (in order of completion, so the innermost call of the
// earliest divergence) whose outputs are beyond tolerance.
struct FirstDivergence {
  size_t call_index = 0;  // into DiffResult::calls
  // Whether that call's inputs were identical in both traces (then the call
  // itself went wrong), else the worst input NMSE it was handed.
  bool inputs_identical = false;
  double input_nmse = 0;
  std::string input_note;  // e.g. "input self differs: NMSE 3e-9"
};

struct FinalOutputs {
  bool found = false;
  bool passed = true;
  bool partial = false;         // chosen among aligned calls of streams that stopped matching
  double nmse = 0;              // worst over the final tensors
  std::vector<CallDiff> calls;  // compared with the end-to-end tolerance
};

struct TokenCheck {
  bool generation = false;  // token calls found in the reference
  bool identical = true;
  std::vector<int64_t> ref_ids, other_ids;
  int64_t first_difference = -1;  // index into the ids; -1 when identical
};

struct DiffResult {
  std::string ref_path, other_path;
  std::string model;
  std::string target;  // the tolerance target used
  Alignment alignment;
  std::vector<CallDiff> calls;  // every aligned compute call compared, in ref seq order
  std::optional<FirstDivergence> first;
  std::vector<ScopeSummary> scopes;  // in order of first appearance
  FinalOutputs final_outputs;
  TokenCheck tokens;
  int64_t not_compared = 0;  // aligned compute calls without captured outputs on both sides
  int64_t tensors_read = 0;  // tensors decoded (equal hashes need none)
  double seconds = 0;
  // Same within tolerance: streams aligned to the end, final outputs within
  // the end-to-end tolerance, token ids identical; without final outputs, no
  // call beyond tolerance.
  bool same = true;
  std::string verdict;  // one line
  int exit_code() const { return same ? 0 : 1; }
};

// Throws DiffInputError when the traces are of different programs, and
// store::TraceError when a file is damaged.
DiffResult diff_traces(const store::TraceReader& ref, const store::TraceReader& other,
                       const DiffOptions& options);

// Reports. The text lists at most `max_rows` calls beyond tolerance; the
// HTML page is self-contained and plots the error of every call against its
// index (inline SVG).
std::string diff_text(const DiffResult& result, size_t max_rows = 20);
std::string diff_json(const DiffResult& result);  // nlohmann JSON text, 2-space indent
std::string diff_html(const DiffResult& result);

}  // namespace tapml::migrate
