#include "gen/case_selection.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "replayer/call_builder.h"
#include "replayer/case_naming.h"
#include "store/op_classes.h"

namespace tapml::gen {
namespace {

// What a case costs in the fixture beyond its tensors' compressed bytes: an
// HDF5 object header and chunk index per tensor, a JSON row per call.
constexpr size_t kBytesPerTensor = 2048;
constexpr size_t kBytesPerCall = 1024;

struct Group {
  int64_t calls = 0;
  store::Call first;                // names a group that yields no case
  std::optional<store::Call> best;  // the smallest runnable call
  size_t best_bytes = 0;
  std::string not_runnable;  // why the first call cannot run, when none can
};

template <typename Fn>
void for_each_tensor(const std::vector<store::Arg>& args, Fn&& fn) {
  for (const store::Arg& arg : args) {
    if (arg.value.kind == store::ValueKind::Tensor) fn(arg.value.tensor);
    if (arg.value.kind == store::ValueKind::TensorList) {
      for (const auto& element : arg.value.tensors) {
        if (element) fn(*element);
      }
    }
  }
}

size_t input_bytes(const store::Call& call) {
  size_t bytes = 0;
  for_each_tensor(call.inputs, [&](const store::TensorMeta& t) { bytes += t.nbytes(); });
  return bytes;
}

// Why this call cannot be a case on its own values; empty when it can.
std::string runnable_problem(const store::Call& call) {
  if (std::string why = replay::skip_reason(call); !why.empty()) return why;
  bool inputs_captured = true, output_captured = false;
  for_each_tensor(call.inputs, [&](const store::TensorMeta& t) {
    inputs_captured = inputs_captured && t.captured();
  });
  for_each_tensor(call.outputs, [&](const store::TensorMeta& t) {
    output_captured = output_captured || t.captured();
  });
  if (!inputs_captured) return "an input's values were not captured";
  if (!output_captured) return "no output values captured";
  return "";
}

std::set<std::string> tensor_hashes(const store::Call& call) {
  std::set<std::string> hashes;
  auto add = [&](const store::TensorMeta& t) {
    if (t.captured()) hashes.insert(t.hash);
  };
  for_each_tensor(call.inputs, add);
  for_each_tensor(call.outputs, add);
  return hashes;
}

std::string megabytes(size_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g MB", static_cast<double>(bytes) / (1 << 20));
  return buf;
}

// Keeps the cheapest cases first until the budget is spent; a tensor shared
// by several cases is paid for once.
void apply_budget(const store::TraceReader& trace, const SelectionOptions& options,
                  std::vector<Case>& candidates, Selection& selection) {
  std::map<std::string, size_t> stored;  // hash -> bytes it costs in the fixture
  auto cost_of = [&](const std::string& hash) {
    auto [it, fresh] = stored.try_emplace(hash, 0);
    if (fresh) {
      const store::StoredTensor info = trace.tensor_info(hash);
      it->second = (info.stored_bytes ? info.stored_bytes : info.nbytes) + kBytesPerTensor;
    }
    return it->second;
  };
  std::vector<std::set<std::string>> hashes;
  for (Case& c : candidates) {
    hashes.push_back(tensor_hashes(c.call));
    c.fixture_bytes = kBytesPerCall;
    for (const std::string& hash : hashes.back()) c.fixture_bytes += cost_of(hash);
  }
  std::vector<size_t> order(candidates.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const Case &x = candidates[a], &y = candidates[b];
    return std::tie(x.fixture_bytes, x.suite, x.name) < std::tie(y.fixture_bytes, y.suite, y.name);
  });
  std::set<std::string> included;
  size_t total = 0;
  for (size_t i : order) {
    Case& c = candidates[i];
    size_t added = kBytesPerCall;
    for (const std::string& hash : hashes[i]) {
      if (!included.count(hash)) added += cost_of(hash);
    }
    if (total + added > options.budget_bytes) {
      selection.left_out.push_back({c.op, c.name, c.calls,
                                    "over the fixture budget (needs " + megabytes(added) + ", " +
                                        megabytes(options.budget_bytes - total) + " of " +
                                        megabytes(options.budget_bytes) + " left)"});
      continue;
    }
    total += added;
    included.insert(hashes[i].begin(), hashes[i].end());
    c.fixture_bytes = added;
    selection.cases.push_back(std::move(c));
  }
  selection.fixture_bytes = total;
  if (selection.cases.empty()) {
    throw GenError("a fixture budget of " + megabytes(options.budget_bytes) +
                   " holds none of the " + std::to_string(candidates.size()) +
                   " cases; the smallest needs " +
                   megabytes(candidates[order.front()].fixture_bytes) + ": raise --budget-mb");
  }
}

}  // namespace

Selection select_cases(const store::TraceReader& trace, const backends::KernelTable& cpu_kernels,
                       const SelectionOptions& options) {
  Selection selection;
  std::map<std::pair<std::string, std::string>, Group> groups;  // (op, signature)
  for (size_t i = 0; i < trace.num_calls(); ++i) {
    if (options.progress) options.progress(i + 1, trace.num_calls());
    store::Call call = trace.call(i);
    if (!store::is_compute_op(call.name)) continue;
    const std::string op = call.full_name();
    if (!options.op.matches(op)) continue;
    ++selection.compute_calls;
    Group& group = groups[{op, replay::input_signature(call)}];
    if (group.calls++ == 0) group.first = call;
    if (std::string problem = runnable_problem(call); !problem.empty()) {
      if (group.not_runnable.empty()) group.not_runnable = std::move(problem);
      continue;
    }
    const size_t bytes = input_bytes(call);
    if (!group.best || bytes < group.best_bytes) {  // ties keep the earliest call
      group.best_bytes = bytes;
      group.best = std::move(call);
    }
  }
  if (groups.empty()) {
    throw GenError(trace.path() + ": no compute calls" +
                   (options.op.matches_every_op() ? std::string()
                                                  : " match --op '" + options.op.text() + "'") +
                   " among its " + std::to_string(trace.num_calls()) + " calls");
  }

  // Names come from every signature of an op, chosen or not, so that a case
  // keeps its name whatever the budget and the cpu kernels leave out.
  std::map<replay::CaseKey, const store::Call*> named;
  for (const auto& [key, g] : groups) {
    named[{key.first, key.second}] = g.best ? &*g.best : &g.first;
  }
  const std::map<replay::CaseKey, replay::CaseName> names = replay::name_cases(named);

  std::vector<Case> candidates;
  std::map<std::string, int64_t> reasons;  // why groups yield no case, for the error below
  replay::CallBuilder metadata_only;
  for (const auto& [key, g] : groups) {
    const auto& [op, signature] = key;
    const replay::CaseName& name = names.at({op, signature});
    std::string why = g.not_runnable;
    if (g.best) {
      const replay::BuiltCall built = metadata_only.build(*g.best);
      why = built.unsupported;
      if (why.empty()) {
        try {
          if (!cpu_kernels.select(built.call, &why)) why = "no cpu kernel: " + why;
        } catch (const std::exception& e) {
          why = std::string("the cpu kernel's check failed: ") + e.what();
        }
      }
    }
    if (!why.empty()) {
      ++reasons[why];
      selection.left_out.push_back({op, name.name, g.calls, why});
      continue;
    }
    Case c;
    c.call = *g.best;
    c.op = op;
    c.signature = signature;
    c.suite = name.suite;
    c.name = name.name;
    c.calls = g.calls;
    c.input_bytes = g.best_bytes;
    candidates.push_back(std::move(c));
  }
  if (candidates.empty()) {
    std::string counts;
    for (const auto& [why, n] : reasons) {
      counts += (counts.empty() ? "" : "; ") + why + ": " + std::to_string(n);
    }
    throw GenError(trace.path() + ": none of the " + std::to_string(groups.size()) +
                   " distinct compute calls" +
                   (options.op.matches_every_op() ? std::string()
                                                  : " matching --op '" + options.op.text() + "'") +
                   " can be a test case (" + counts + ")");
  }
  apply_budget(trace, options, candidates, selection);

  std::sort(selection.cases.begin(), selection.cases.end(), [](const Case& a, const Case& b) {
    return std::tie(a.suite, a.name) < std::tie(b.suite, b.name);
  });
  std::sort(selection.left_out.begin(), selection.left_out.end(),
            [](const LeftOut& a, const LeftOut& b) {
              return std::tie(a.op, a.name, a.why) < std::tie(b.op, b.name, b.why);
            });
  return selection;
}

}  // namespace tapml::gen
