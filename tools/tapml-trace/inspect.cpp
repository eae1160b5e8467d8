// tapml-trace info, ops, ls, show.
#include <algorithm>
#include <cstdio>

#include "commands.h"
#include "format.h"
#include "store/call_json.h"
#include "store/reader.h"
#include "tensor_stats.h"

namespace tapml::trace_cli {

using nlohmann::json;
using store::TraceReader;

namespace {

json tensor_json(const store::TensorMeta& t, const TraceReader& reader) {
  json j = store::tensor_to_json(t);
  if (!t.captured()) return j;
  const TensorStats s = tensor_stats(t.dtype, reader.read_tensor(t.hash));
  j["stats"] = {{"min", s.min}, {"max", s.max}, {"mean", s.mean}, {"nan", s.nan_count}};
  return j;
}

std::string tensor_line(const json& t) {
  std::string line = t["dtype"].get<std::string>() +
                     shape_text(t["sizes"].get<std::vector<int64_t>>()) +
                     " strides=" + shape_text(t["strides"].get<std::vector<int64_t>>()) +
                     " offset=" + std::to_string(t["offset"].get<int64_t>()) + " " +
                     t["device"].get<std::string>();
  if (!t.contains("stats")) return line + " (not captured)";
  const json& s = t["stats"];
  auto num = [](const json& v) {
    if (v.is_null()) return std::string("nan");
    char text[32];
    std::snprintf(text, sizeof text, "%.6g", v.get<double>());
    return std::string(text);
  };
  return line + " " + t["hash"].get<std::string>() + "\n        min=" + num(s["min"]) +
         " max=" + num(s["max"]) + " mean=" + num(s["mean"]) +
         " nan=" + std::to_string(s["nan"].get<int64_t>());
}

// The args of a call as JSON (docs/trace-format.md), tensors with statistics.
json args_json(const std::vector<store::Arg>& args, const TraceReader& reader) {
  json out = store::args_to_json(args);
  for (size_t i = 0; i < args.size(); ++i) {
    const store::Value& v = args[i].value;
    if (v.kind == store::ValueKind::Tensor) out[i]["value"] = tensor_json(v.tensor, reader);
    for (size_t k = 0; k < v.tensors.size(); ++k) {
      if (v.tensors[k]) out[i]["value"][k] = tensor_json(*v.tensors[k], reader);
    }
  }
  return out;
}

void print_args(const char* title, const json& args) {
  std::printf("  %s:\n", title);
  for (const json& a : args) {
    std::printf("    %s: %s = ", a["name"].get<std::string>().c_str(),
                a["type"].get<std::string>().c_str());
    const std::string kind = a["kind"];
    if (kind == "tensor") {
      std::printf("%s\n", tensor_line(a["value"]).c_str());
    } else if (kind == "tensor_list") {
      std::printf("[%zu tensors]\n", a["value"].size());
      for (const json& t : a["value"]) {
        std::printf("      %s\n", t.is_null() ? "None" : tensor_line(t).c_str());
      }
    } else {
      std::printf("%s (%s)\n", a["value"].dump().c_str(), kind.c_str());
    }
  }
}

}  // namespace

int cmd_info(const std::string& path, bool as_json) {
  auto reader = TraceReader::open(path);
  const store::TraceMeta& m = reader->meta();
  int64_t raw = 0, stored = 0, views = 0;
  const auto tensors = reader->tensors();
  for (const auto& t : tensors) {
    if (!t.view_of.empty()) {  // no bytes of its own
      ++views;
      continue;
    }
    raw += static_cast<int64_t>(t.nbytes);
    stored += static_cast<int64_t>(t.stored_bytes);
  }
  json j = store::meta_to_json(m);
  j["path"] = path;
  j["calls"] = reader->num_calls();
  j["tensors"] = tensors.size();
  j["views"] = views;
  j["tensor_bytes"] = raw;
  j["stored_bytes"] = stored;
  if (as_json) {
    print_json(j);
    return 0;
  }
  std::printf("%s: TapML trace, format %d\n", path.c_str(), m.format_version);
  for (const auto& [name, member] : store::kMetaStringFields) {
    std::string value = m.*member;
    std::replace(value.begin(), value.end(), '\n', ' ');
    std::printf("  %-16s %s\n", std::string(name).c_str(), value.c_str());
  }
  for (const auto& [key, value] : m.extra) std::printf("  %-16s %s\n", key.c_str(), value.c_str());
  std::printf(
      "  %-16s %zu\n  %-16s %zu distinct (%lld permuted views), %s raw, %s stored (%.2fx)\n",
      "calls", reader->num_calls(), "tensors", tensors.size(), static_cast<long long>(views),
      bytes_text(raw).c_str(), bytes_text(stored).c_str(),
      stored ? static_cast<double>(raw) / static_cast<double>(stored) : 1.0);
  return 0;
}

int cmd_ops(const std::string& path, bool as_json) {
  auto reader = TraceReader::open(path);
  const auto stats = reader->op_stats();
  std::vector<std::pair<std::string, store::OpStats>> rows(stats.begin(), stats.end());
  std::stable_sort(rows.begin(), rows.end(),
                   [](const auto& a, const auto& b) { return a.second.calls > b.second.calls; });
  if (as_json) {
    json j = json::array();
    for (const auto& [op, s] : rows) {
      j.push_back({{"op", op},
                   {"calls", s.calls},
                   {"captured", s.captured},
                   {"signatures", s.signatures},
                   {"tensor_bytes", s.tensor_bytes}});
    }
    print_json(j);
    return 0;
  }
  std::printf("%-44s %8s %9s %11s %12s\n", "op", "calls", "captured", "signatures", "tensor bytes");
  for (const auto& [op, s] : rows) {
    std::printf("%-44s %8lld %9lld %11lld %12s\n", op.c_str(), static_cast<long long>(s.calls),
                static_cast<long long>(s.captured), static_cast<long long>(s.signatures),
                bytes_text(s.tensor_bytes).c_str());
  }
  return 0;
}

int cmd_ls(const std::string& path, const Selection& selection, bool as_json) {
  auto reader = TraceReader::open(path);
  const store::OpPattern pattern = op_pattern(selection);
  const size_t begin =
      selection.range ? static_cast<size_t>(std::max<int64_t>(0, selection.range->begin)) : 0;
  size_t end = reader->num_calls();
  if (selection.range && selection.range->end) {
    end = std::min(end, static_cast<size_t>(std::max<int64_t>(0, *selection.range->end)));
  }
  json j = json::array();
  size_t listed = 0;
  for (size_t i = begin; i < end; ++i) {
    const store::Call call = reader->call(i);
    if (!pattern.matches(call.full_name())) continue;
    ++listed;
    if (as_json) {
      j.push_back({{"seq", call.seq},
                   {"op", call.full_name()},
                   {"depth", call.depth},
                   {"parent", call.parent},
                   {"scope", call.scope},
                   {"captured", call.captured()},
                   {"inputs", input_shapes(call)}});
      continue;
    }
    const std::string op =
        std::string(2 * static_cast<size_t>(std::clamp(call.depth, 0, 40)), ' ') + call.full_name();
    std::printf("%7lld %c %-48s %-28s %s\n", static_cast<long long>(call.seq),
                call.captured() ? '*' : ' ', op.c_str(), call.scope.c_str(),
                input_shapes(call).c_str());
  }
  if (!selection.op_pattern.empty() || selection.range) {
    require_selected(listed, reader->num_calls(), selection, path);
  }
  if (as_json) print_json(j);
  return 0;
}

int cmd_show(const std::string& path, int64_t seq, bool as_json) {
  auto reader = TraceReader::open(path);
  if (seq < 0) throw UsageError("show: call seq must be >= 0");
  const store::Call call = reader->call(static_cast<size_t>(seq));
  json j = store::call_to_json(call);
  j["op"] = call.full_name();
  j["inputs"] = args_json(call.inputs, *reader);
  j["outputs"] = args_json(call.outputs, *reader);
  if (as_json) {
    print_json(j);
    return 0;
  }
  std::printf("call %lld: %s\n  schema: %s\n  scope: %s  parent: %lld  depth: %d  thread: %llu\n",
              static_cast<long long>(call.seq), call.full_name().c_str(), call.schema.c_str(),
              call.scope.empty() ? "-" : call.scope.c_str(), static_cast<long long>(call.parent),
              call.depth, static_cast<unsigned long long>(call.thread));
  std::printf("  time: %lld ns  flags: 0x%x%s\n",
              static_cast<long long>(call.end_ns - call.start_ns), call.flags,
              call.captured() ? " (captured)" : "");
  print_args("inputs", j["inputs"]);
  print_args("outputs", j["outputs"]);
  return 0;
}

}  // namespace tapml::trace_cli
