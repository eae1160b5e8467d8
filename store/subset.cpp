// copy_subset (store/reader.h): chosen calls and the tensors they use.
#include <algorithm>
#include <filesystem>
#include <regex>
#include <unordered_map>

#include "store/call_json.h"
#include "store/reader_impl.h"
#include "store/trace_file_writer.h"

namespace tapml::store {

namespace {

// "0-9,15,20-21": the source seqs, compact, for the subset's metadata.
std::string seq_ranges(const std::vector<int64_t>& seqs) {
  std::string out;
  for (size_t i = 0; i < seqs.size();) {
    size_t j = i;
    while (j + 1 < seqs.size() && seqs[j + 1] == seqs[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += std::to_string(seqs[i]);
    if (j > i) out += '-' + std::to_string(seqs[j]);
    i = j + 1;
  }
  return out;
}

}  // namespace

void copy_subset(const TraceReader& source, const std::vector<int64_t>& seqs,
                 const std::string& out_path) {
  std::vector<int64_t> chosen(seqs);
  std::sort(chosen.begin(), chosen.end());
  chosen.erase(std::unique(chosen.begin(), chosen.end()), chosen.end());
  for (int64_t seq : chosen) {
    if (seq < 0 || static_cast<size_t>(seq) >= source.num_calls()) {
      throw TraceError(source.path() + ": no call " + std::to_string(seq) + " (the trace has " +
                       std::to_string(source.num_calls()) + ")");
    }
  }
  std::unordered_map<int64_t, int64_t> new_seq;
  for (size_t i = 0; i < chosen.size(); ++i) new_seq[chosen[i]] = static_cast<int64_t>(i);

  std::vector<Call> calls;
  std::vector<std::string> hashes;
  for (int64_t seq : chosen) {
    Call call = source.call(static_cast<size_t>(seq));
    call.seq = new_seq[seq];
    auto parent = new_seq.find(call.parent);
    call.parent = parent == new_seq.end() ? -1 : parent->second;
    collect_hashes(call.inputs, hashes);
    collect_hashes(call.outputs, hashes);
    calls.push_back(std::move(call));
  }
  std::sort(hashes.begin(), hashes.end());
  hashes.erase(std::unique(hashes.begin(), hashes.end()), hashes.end());

  TraceMeta meta = source.meta();
  // File names only: a subset may be committed, and must not name a folder
  // of the machine it was made on (the command's python, the config's output).
  const std::regex absolute_path(R"((?:/[^/\s"',:;=]+)+/([^/\s"',:;=]+))");
  auto file_names_only = [&](std::string& text) {
    text = std::regex_replace(text, absolute_path, "$1");
  };
  file_names_only(meta.command);
  file_names_only(meta.config);
  for (auto& [key, value] : meta.extra) file_names_only(value);
  meta.extra["subset_of"] = std::filesystem::path(source.path()).filename().string();
  meta.extra["subset_seqs"] = seq_ranges(chosen);
  TraceFileWriter file(out_path, meta, 3, size_t{1} << 20);
  if (const auto* h5 = dynamic_cast<const H5TraceReader*>(&source)) {
    // A view is copied with its base (which may not be referenced itself).
    std::vector<std::string> bases;
    for (const std::string& hash : hashes) {
      const StoredTensor info = h5->tensor_info(hash);  // a clear error if absent
      if (!info.view_of.empty()) bases.push_back(info.view_of);
    }
    hashes.insert(hashes.end(), bases.begin(), bases.end());
    std::sort(hashes.begin(), hashes.end());
    hashes.erase(std::unique(hashes.begin(), hashes.end()), hashes.end());
    for (const std::string& hash : hashes) file.copy_tensor(h5->file_id(), hash);
  } else {
    for (const std::string& hash : hashes) {
      const StoredTensor info = source.tensor_info(hash);
      const std::vector<std::byte> bytes = source.read_tensor(hash);
      file.write_tensors({{hash, info.dtype, info.sizes, bytes.data(), {}, {}}});
    }
  }
  file.write_calls(calls.size(), [&](size_t i) { return call_to_row(calls[i]); });
  file.commit();
}

}  // namespace tapml::store
