#include "migrate/diff/diff.h"

#include <algorithm>
#include <chrono>

#include "migrate/diff/align.h"
#include "migrate/diff/call_stream.h"
#include "migrate/diff/scope_group.h"
#include "migrate/diff/tensor_comparer.h"
#include "replayer/host_values.h"
#include "store/op_classes.h"
#include "store/op_pattern.h"

namespace tapml::migrate {
namespace {

store::OpPattern op_pattern(const std::string& pattern, const char* flag) {
  try {
    return store::OpPattern(pattern, flag);
  } catch (const store::OpPatternError& e) {
    throw DiffInputError(e.what());
  }
}

void check_metadata(const store::TraceReader& ref, const store::TraceReader& other) {
  const auto differs = [](const std::string& a, const std::string& b) {
    return !a.empty() && !b.empty() && a != b;
  };
  const auto& a = ref.meta();
  const auto& b = other.meta();
  const std::string files = ref.path() + " and " + other.path();
  if (differs(a.model, b.model)) {
    throw DiffInputError(files + " are traces of different models ('" + a.model + "' and '" +
                         b.model + "'); diff compares two runs of one program");
  }
  if (differs(a.command, b.command)) {
    throw DiffInputError(files + " are traces of different commands ('" + a.command + "' and '" +
                         b.command + "'); pass --ignore-metadata if they are one program");
  }
}

std::string resolve_target(const DiffOptions& options, const store::TraceReader& other) {
  if (!options.target.empty()) return options.target;
  // The provider's own name (what tolerance rules are keyed by), else the
  // target as given (traces recorded before the name was noted).
  const auto& extra = other.meta().extra;
  for (const char* key : {"offload_target_name", "offload_target"}) {
    if (auto it = extra.find(key); it != extra.end() && !it->second.empty()) return it->second;
  }
  return "cpu";
}

bool has_floating_output(const StreamCall& r, const StreamCall& o) {
  for (size_t i = 0; i < r.outputs.size() && i < o.outputs.size(); ++i) {
    if (dtype_is_floating(r.outputs[i].dtype) && !r.outputs[i].hash.empty() &&
        !o.outputs[i].hash.empty()) {
      return true;
    }
  }
  return false;
}

// The worst-matching input of the first diverging call.
void describe_inputs(const StreamCall& r, const StreamCall& o, TensorComparer& comparer,
                     const ToleranceFor& tolerance_for, FirstDivergence& first) {
  if (r.inputs.size() != o.inputs.size()) {
    first.input_note = "the calls take different numbers of tensors";
    return;
  }
  first.inputs_identical = true;
  for (size_t i = 0; i < r.inputs.size(); ++i) {
    const TensorRef& a = r.inputs[i];
    const TensorRef& b = o.inputs[i];
    if (a.hash.empty() || b.hash.empty()) {
      first.inputs_identical = false;
      if (first.input_note.empty()) first.input_note = "input " + a.arg + " not captured";
      continue;
    }
    if (a.hash == b.hash) continue;
    first.inputs_identical = false;
    const TensorDiff d = comparer.compare(a, b, tolerance_for(r.op, a.dtype));
    const double nmse = d.comparison.nmse;
    if (first.input_note.empty() || nmse > first.input_nmse) {
      first.input_nmse = std::max(first.input_nmse, nmse);
      first.input_note = "input " + a.arg + " differs: " +
                         (d.problem.empty() ? "NMSE " + replay::format_number(nmse) : d.problem);
    }
  }
  if (first.inputs_identical) first.input_note = "inputs identical in both traces";
}

std::vector<int64_t> token_ids(const store::TraceReader& reader, const CallStream& stream,
                               const store::OpPattern& token_op, int64_t& reads) {
  std::vector<int64_t> ids;
  for (int64_t seq : stream.roots) {
    const StreamCall& call = stream.calls[static_cast<size_t>(seq)];
    if (!token_op.matches(call.op)) continue;
    for (const TensorRef& out : call.outputs) {
      if (dtype_is_floating(out.dtype) || out.hash.empty()) continue;
      const std::vector<std::byte> bytes = reader.read_tensor(out.hash);
      ++reads;
      const size_t size = dtype_size(out.dtype);
      for (size_t at = 0; at + size <= bytes.size(); at += size) {
        ids.push_back(static_cast<int64_t>(replay::load_scalar(out.dtype, bytes.data() + at)));
      }
    }
  }
  return ids;
}

TokenCheck check_tokens(const store::TraceReader& ref, const CallStream& rs,
                        const store::TraceReader& other, const CallStream& os,
                        const DiffOptions& options, int64_t& reads) {
  TokenCheck tokens;
  if (options.token_op.empty()) return tokens;
  const store::OpPattern re = op_pattern(options.token_op, "--token-op");
  tokens.ref_ids = token_ids(ref, rs, re, reads);
  tokens.generation = !tokens.ref_ids.empty();
  if (!tokens.generation) return tokens;
  tokens.other_ids = token_ids(other, os, re, reads);
  const auto [a, b] = std::mismatch(tokens.ref_ids.begin(), tokens.ref_ids.end(),
                                    tokens.other_ids.begin(), tokens.other_ids.end());
  tokens.identical = a == tokens.ref_ids.end() && b == tokens.other_ids.end();
  if (!tokens.identical) tokens.first_difference = a - tokens.ref_ids.begin();
  return tokens;
}

FinalOutputs compare_final(const AlignedStreams& aligned, const CallStream& rs,
                           const CallStream& os, const DiffOptions& options,
                           TensorComparer& comparer, const ToleranceFor& tolerance_for) {
  FinalOutputs final_outputs;
  final_outputs.partial = !aligned.alignment.complete;
  std::vector<std::pair<int64_t, int64_t>> chosen;
  if (options.final_op.empty()) {
    for (auto it = aligned.pairs.rbegin(); it != aligned.pairs.rend(); ++it) {
      const StreamCall& r = rs.calls[static_cast<size_t>(it->first)];
      const StreamCall& o = os.calls[static_cast<size_t>(it->second)];
      if (r.depth == 0 && store::is_compute_op(r.name) && has_floating_output(r, o)) {
        chosen.push_back(*it);
        break;
      }
    }
  } else {
    const store::OpPattern re = op_pattern(options.final_op, "--final-op");
    for (const auto& [r, o] : aligned.pairs) {
      const StreamCall& call = rs.calls[static_cast<size_t>(r)];
      if (call.depth == 0 && re.matches(call.op)) chosen.emplace_back(r, o);
    }
  }
  const ToleranceFor end_to_end = [&](const std::string&, DType dtype) {
    return tolerance_for(kEndToEndOp, dtype);
  };
  for (const auto& [r, o] : chosen) {
    CallDiff d = comparer.compare_call(rs.calls[static_cast<size_t>(r)],
                                       os.calls[static_cast<size_t>(o)], end_to_end);
    if (d.status == CallStatus::NotCompared) continue;
    final_outputs.found = true;
    final_outputs.passed = final_outputs.passed && d.status != CallStatus::Beyond;
    final_outputs.nmse = std::max(final_outputs.nmse, d.nmse);
    final_outputs.calls.push_back(std::move(d));
  }
  return final_outputs;
}

std::vector<ScopeSummary> summarise_scopes(const std::vector<CallDiff>& calls, int scope_depth) {
  std::vector<ScopeSummary> scopes;
  std::map<std::string, size_t> index;
  for (const CallDiff& call : calls) {
    const std::string key = scope_group(call.scope, scope_depth);
    auto [it, added] = index.emplace(key, scopes.size());
    if (added) scopes.push_back(ScopeSummary{.scope = key});
    ScopeSummary& s = scopes[it->second];
    ++s.compared;
    if (call.status == CallStatus::Identical) ++s.identical;
    if (call.status == CallStatus::Beyond) {
      ++s.beyond;
      if (s.first_beyond_ref_seq < 0) s.first_beyond_ref_seq = call.ref_seq;
    }
    if (call.nmse > s.max_nmse || s.worst_ref_seq < 0) {
      s.max_nmse = std::max(s.max_nmse, call.nmse);
      s.worst_ref_seq = call.ref_seq;
    }
  }
  return scopes;
}

void judge(DiffResult& result) {
  std::vector<std::string> reasons;
  const Alignment& al = result.alignment;
  if (!al.complete) reasons.push_back("the call streams stop matching (" + al.stop_reason + ")");
  const FinalOutputs& fin = result.final_outputs;
  if (fin.found && !fin.passed) {
    reasons.push_back("final outputs beyond the end-to-end tolerance (NMSE " +
                      replay::format_number(fin.nmse) + ")");
  }
  const TokenCheck& tokens = result.tokens;
  if (tokens.generation && !tokens.identical) {
    reasons.push_back("generated token ids differ from token " +
                      std::to_string(tokens.first_difference));
  }
  const std::string first =
      result.first
          ? "call ref seq " + std::to_string(result.calls[result.first->call_index].ref_seq) + " " +
                result.calls[result.first->call_index].op
          : "";
  if (!fin.found && result.first) reasons.push_back(first + " is beyond tolerance");
  result.same = reasons.empty();
  if (result.same) {
    result.verdict = "same within tolerance";
    if (result.first) {
      result.verdict += " end to end (first call beyond per-call tolerance: " + first + ")";
    }
    return;
  }
  result.verdict = "diverging: ";
  for (size_t i = 0; i < reasons.size(); ++i) result.verdict += (i ? "; " : "") + reasons[i];
}

}  // namespace

replay::TolerancePolicy default_diff_policy() {
  replay::TolerancePolicy policy = replay::TolerancePolicy::defaults();
  replay::ToleranceRule end_to_end;
  end_to_end.op = "tapml::end_to_end";
  end_to_end.dtype = "floating";
  end_to_end.nmse = 1e-5;
  end_to_end.atol = 1e-2;
  end_to_end.rtol = 1e-2;
  end_to_end.origin = "built-in (diff)";
  policy.add(end_to_end);
  return policy;
}

std::string_view call_status_name(CallStatus status) {
  switch (status) {
    case CallStatus::Identical:
      return "identical";
    case CallStatus::WithinTolerance:
      return "within";
    case CallStatus::Beyond:
      return "beyond";
    case CallStatus::NotCompared:
      return "not-compared";
  }
  return "?";
}

DiffResult diff_traces(const store::TraceReader& ref, const store::TraceReader& other,
                       const DiffOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  if (options.check_metadata) check_metadata(ref, other);
  // Bad op patterns are reported before the (long) reading of the streams.
  if (!options.final_op.empty()) op_pattern(options.final_op, "--final-op");
  if (!options.token_op.empty()) op_pattern(options.token_op, "--token-op");
  DiffResult result;
  result.ref_path = ref.path();
  result.other_path = other.path();
  result.model = ref.meta().model;
  result.target = resolve_target(options, other);
  const CallStream rs = load_stream(ref);
  const CallStream os = load_stream(other);
  AlignedStreams aligned = align_streams(rs, os);
  std::sort(aligned.pairs.begin(), aligned.pairs.end());
  result.alignment = aligned.alignment;

  const ToleranceFor tolerance_for = [&](const std::string& op, DType dtype) {
    return options.tolerance.lookup(op, dtype, result.target);
  };
  TensorComparer comparer(ref, other);
  for (const auto& [r, o] : aligned.pairs) {
    const StreamCall& rc = rs.calls[static_cast<size_t>(r)];
    if (!store::is_compute_op(rc.name)) continue;
    CallDiff d = comparer.compare_call(rc, os.calls[static_cast<size_t>(o)], tolerance_for);
    if (d.status == CallStatus::NotCompared) {
      ++result.not_compared;
    } else {
      result.calls.push_back(std::move(d));
    }
  }
  if (!result.alignment.complete && result.calls.empty()) {
    throw DiffInputError(ref.path() + " and " + other.path() +
                         " are not traces of one program: their call streams share no compared "
                         "call (" +
                         result.alignment.stop_reason + ")");
  }

  int64_t best_rank = -1;
  for (size_t i = 0; i < result.calls.size(); ++i) {
    const CallDiff& d = result.calls[i];
    if (d.status != CallStatus::Beyond) continue;
    const int64_t rank = rs.calls[static_cast<size_t>(d.ref_seq)].end_rank;
    if (best_rank < 0 || rank < best_rank) {
      best_rank = rank;
      result.first.emplace();
      result.first->call_index = i;
    }
  }
  if (result.first) {
    const CallDiff& d = result.calls[result.first->call_index];
    describe_inputs(rs.calls[static_cast<size_t>(d.ref_seq)],
                    os.calls[static_cast<size_t>(d.other_seq)], comparer, tolerance_for,
                    *result.first);
  }
  result.scopes = summarise_scopes(result.calls, options.scope_depth);
  result.final_outputs = compare_final(aligned, rs, os, options, comparer, tolerance_for);
  int64_t token_reads = 0;
  result.tokens = check_tokens(ref, rs, other, os, options, token_reads);
  result.tensors_read = comparer.tensors_read() + token_reads;
  judge(result);
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace tapml::migrate
