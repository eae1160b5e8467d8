// tapml-trace verify, subset, recover.
#include <cstdio>

#include "commands.h"
#include "common/progress.h"
#include "format.h"
#include "store/reader.h"
#include "store/writer.h"

namespace tapml::trace_cli {

using nlohmann::json;

int cmd_verify(const std::string& path, bool as_json, bool progress) {
  auto reader = store::TraceReader::open(path);
  ProgressReporter bar("tapml-trace verify", "tensors and calls", progress);
  bar.start(reader->tensors().size() + reader->num_calls(), "verifying " + path);
  const auto problems =
      reader->verify_all([&](size_t done, size_t /*total*/) { bar.update(done); });
  bar.clear();
  if (as_json) {
    json j = {{"path", path},
              {"calls", reader->num_calls()},
              {"tensors", reader->tensors().size()},
              {"ok", problems.empty()},
              {"problems", json::array()}};
    for (const auto& p : problems) {
      j["problems"].push_back({{"what", p.what}, {"problem", p.problem}});
    }
    print_json(j);
  } else if (problems.empty()) {
    std::printf("%s: ok (%zu calls, %zu tensors, every hash matches)\n", path.c_str(),
                reader->num_calls(), reader->tensors().size());
  } else {
    for (const auto& p : problems) std::printf("%s\n", p.problem.c_str());
    std::printf("%s: %zu problems\n", path.c_str(), problems.size());
  }
  return problems.empty() ? 0 : 1;
}

int cmd_subset(const std::string& in, const std::string& out, const Selection& selection,
               bool as_json) {
  auto reader = store::TraceReader::open(in);
  const store::OpPattern pattern = op_pattern(selection);
  std::vector<int64_t> seqs;
  for (size_t i = 0; i < reader->num_calls(); ++i) {
    if (selection.range && !selection.range->contains(static_cast<int64_t>(i))) continue;
    if (!pattern.matches(reader->call(i).full_name())) continue;
    seqs.push_back(static_cast<int64_t>(i));
  }
  require_selected(seqs.size(), reader->num_calls(), selection, in);
  store::copy_subset(*reader, seqs, out);
  auto result = store::TraceReader::open(out);
  if (as_json) {
    print_json(
        {{"path", out}, {"calls", result->num_calls()}, {"tensors", result->tensors().size()}});
  } else {
    std::printf("%s: %zu calls, %zu tensors (from %s)\n", out.c_str(), result->num_calls(),
                result->tensors().size(), in.c_str());
  }
  return 0;
}

int cmd_recover(const std::string& spool, std::string out, bool as_json) {
  const std::string suffix = ".spool";
  if (out.empty()) {
    if (spool.size() <= suffix.size() ||
        spool.compare(spool.size() - suffix.size(), suffix.size(), suffix) != 0) {
      throw UsageError(spool + ": not named <trace>.spool; give the trace to write with -o");
    }
    out = spool.substr(0, spool.size() - suffix.size());
  }
  const store::FinishReport r = store::finish_trace(spool, out, /*keep_spool=*/true);
  if (as_json) {
    print_json({{"path", out},
                {"calls", r.calls},
                {"tensors", r.tensors},
                {"complete", r.complete},
                {"stopped_because", r.stopped_because},
                {"skipped_records", r.skipped_records},
                {"raw_bytes", r.raw_bytes},
                {"stored_bytes", r.stored_bytes}});
  } else {
    std::printf("%s: %lld calls, %lld tensors, %s -> %s\n", out.c_str(),
                static_cast<long long>(r.calls), static_cast<long long>(r.tensors),
                bytes_text(r.raw_bytes).c_str(), bytes_text(r.stored_bytes).c_str());
    if (!r.complete) std::printf("  the spool was incomplete: %s\n", r.stopped_because.c_str());
  }
  return 0;
}

}  // namespace tapml::trace_cli
