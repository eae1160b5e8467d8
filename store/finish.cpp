// finish_trace: spool -> HDF5 trace (store/writer.h).
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <thread>
#include <unordered_map>

#include "store/call_json.h"
#include "store/call_record.h"
#include "store/call_table.h"
#include "store/h5_io.h"
#include "store/ordered_pool.h"
#include "store/permuted_view.h"
#include "store/spool.h"
#include "store/trace_file_writer.h"
#include "store/writer.h"

namespace tapml::store {

namespace {

using nlohmann::json;

struct SpooledTensor {
  TensorSource source;
  size_t order = 0;  // position in the spool
  bool used = false;
};

// The values file, read on a thread of its own while the spool's records
// are checked; waited for at the first tensor whose values lie there.
class PendingValues {
 public:
  explicit PendingValues(std::string path)
      : path_(std::move(path)), reader_([this] {
          try {
            image_ = std::make_unique<ValuesImage>(path_);
          } catch (const std::exception& e) {
            error_ = e.what();
          }
        }) {}
  ~PendingValues() {
    if (reader_.joinable()) reader_.join();
  }
  PendingValues(const PendingValues&) = delete;
  PendingValues& operator=(const PendingValues&) = delete;

  // The `nbytes` values at `offset`. Throws TraceError if they are not there.
  const std::byte* at(uint64_t offset, uint64_t nbytes, const std::string& hash) {
    if (reader_.joinable()) reader_.join();
    if (!error_.empty()) throw TraceError("tensor " + hash + ": " + error_);
    if (!image_->exists()) throw TraceError("tensor " + hash + ": " + path_ + " is missing");
    if (offset > image_->size() || nbytes > image_->size() - offset) {
      throw TraceError("tensor " + hash + ": its values lie past the end of " + path_ + " (" +
                       std::to_string(image_->size()) + " bytes)");
    }
    return image_->data() + offset;
  }

 private:
  std::string path_;
  std::unique_ptr<ValuesImage> image_;
  std::string error_;
  std::thread reader_;
};

// A call record decoded on a worker thread: its row and the tensors it
// references, or why it is bad.
struct ParsedCall {
  CallRow row;
  std::vector<std::string> hashes;
  std::string error;
};

json parse_json(const std::byte* data, uint64_t length) {
  const char* text = reinterpret_cast<const char*>(data);
  return json::parse(text, text + length);
}

// Parses a TENSOR record (see writer.cpp) and checks it is self-consistent;
// a view's base must be among `earlier`, the tensors parsed before it.
SpooledTensor parse_tensor(const SpoolRecord& record,
                           const std::unordered_map<std::string, SpooledTensor>& earlier,
                           PendingValues& values) {
  uint64_t header_size = 0;
  if (record.length < 8) throw TraceError("tensor record too short");
  std::memcpy(&header_size, record.payload, 8);
  if (header_size > record.length - 8) throw TraceError("tensor header overruns its record");
  const json header = parse_json(record.payload + 8, header_size);
  SpooledTensor t;
  t.source.hash = header.at("hash").get<std::string>();
  const uint64_t data_offset = pad8(8 + header_size);
  if (header.contains("view_of")) {
    t.source.view_of = header.at("view_of").get<std::string>();
    t.source.dims = header.at("dims").get<std::vector<int64_t>>();
    auto base = earlier.find(t.source.view_of);
    if (base == earlier.end() || !base->second.source.view_of.empty()) {
      throw TraceError("view " + t.source.hash + " of tensor " + t.source.view_of +
                       ", which the spool does not hold before it");
    }
    if (t.source.dims.size() != base->second.source.sizes.size() ||
        !is_permutation(t.source.dims) || record.length != data_offset) {
      throw TraceError("view " + t.source.hash + ": dims are not a permutation of its base");
    }
    t.source.dtype = base->second.source.dtype;
    t.source.sizes = permuted_sizes(base->second.source.sizes, t.source.dims);
    return t;
  }
  const auto dtype = dtype_from_name(header.at("dtype").get<std::string>());
  if (!dtype) throw TraceError("tensor " + t.source.hash + " has an unknown dtype");
  t.source.dtype = *dtype;
  t.source.sizes = header.at("sizes").get<std::vector<int64_t>>();
  const auto numel = checked_numel(t.source.sizes);
  const bool beside = header.contains("values_at");
  const uint64_t inline_bytes = data_offset > record.length ? 0 : record.length - data_offset;
  const uint64_t nbytes = numel ? static_cast<uint64_t>(*numel) * dtype_size(*dtype) : 0;
  if (!numel || data_offset > record.length || inline_bytes != (beside ? 0 : nbytes)) {
    throw TraceError("tensor " + t.source.hash + ": its bytes do not match its dtype and sizes");
  }
  t.source.data = beside ? values.at(header.at("values_at").get<uint64_t>(), nbytes, t.source.hash)
                         : record.payload + data_offset;
  return t;
}

}  // namespace

FinishReport finish_trace(const std::string& spool_path, const std::string& trace_path,
                          bool keep_spool) {
  h5_prepare();
  SpoolScanner scanner(spool_path);
  SpoolRecord record{};
  if (!scanner.next(record) || record.type != RecordType::Meta) {
    throw TraceError(spool_path + ": the spool has no metadata record" +
                     (scanner.stop_reason().empty() ? "" : " (" + scanner.stop_reason() + ")"));
  }
  TraceMeta meta;
  int level = kDefaultCompressionLevel;
  size_t chunk_bytes = size_t{1} << 20;
  try {
    const json j = parse_json(record.payload, record.length);
    meta = meta_from_json(j.at("meta"));
    level = j.value("compression_level", level);
    chunk_bytes = j.value("chunk_bytes", chunk_bytes);
  } catch (const std::exception& e) {
    throw TraceError(spool_path + ": bad metadata record: " + e.what());
  }

  // The records, checksums checked, in file order; calls are parsed on all
  // cores and then taken in order, so that everything after the first bad
  // record is dropped exactly as a sequential reading would.
  PendingValues values(values_path(spool_path));
  std::vector<SpoolRecord> records;
  while (scanner.next(record)) records.push_back(record);

  std::unordered_map<std::string, SpooledTensor> tensors;
  std::vector<CallRow> calls;  // seq and parent as spooled; renumbered when written
  std::string stop;
  auto parse = [&](size_t i) {
    ParsedCall parsed;
    const SpoolRecord& r = records[i];
    try {
      if (r.type == RecordType::Row) {
        DecodedCall call = decode_call_record(r.payload, r.length);
        parsed.row = std::move(call.row);
        parsed.hashes = std::move(call.hashes);
      } else if (r.type == RecordType::Call) {
        const Call call = call_from_json(parse_json(r.payload, r.length));
        collect_hashes(call.inputs, parsed.hashes);
        collect_hashes(call.outputs, parsed.hashes);
        parsed.row = call_to_row(call);
      }
    } catch (const std::exception& e) {
      parsed.error = e.what();
    }
    return parsed;
  };
  auto take = [&](size_t i, ParsedCall& parsed) {
    if (!stop.empty()) return;
    const SpoolRecord& r = records[i];
    try {
      switch (r.type) {
        case RecordType::Tensor: {
          SpooledTensor t = parse_tensor(r, tensors, values);
          t.order = tensors.size();
          tensors.try_emplace(t.source.hash, std::move(t));
          break;
        }
        case RecordType::Call:
        case RecordType::Row: {
          if (!parsed.error.empty()) throw TraceError(parsed.error);
          for (const std::string& hash : parsed.hashes) {
            if (!tensors.count(hash)) {
              throw TraceError("call " + std::to_string(parsed.row.seq) + " references tensor " +
                               hash + " that the spool does not hold");
            }
          }
          for (const std::string& hash : parsed.hashes) tensors[hash].used = true;
          calls.push_back(std::move(parsed.row));
          break;
        }
        case RecordType::MetaKV: {
          const json kv = parse_json(r.payload, r.length);
          set_meta_field(meta, kv.at("key").get<std::string>(), kv.at("value").get<std::string>());
          break;
        }
        default:
          throw TraceError("unexpected record type");
      }
    } catch (const std::exception& e) {
      stop = "record at byte " + std::to_string(r.offset) + ": " + e.what();
    }
  };
  const size_t threads = std::max(1u, std::thread::hardware_concurrency());
  constexpr size_t kRecordsPerJob = 256;
  std::vector<size_t> bounds;
  for (size_t i = 0; i < records.size(); i += kRecordsPerJob) bounds.push_back(i);
  bounds.push_back(records.size());
  run_ordered_grouped<ParsedCall>(bounds, threads, 2 * threads + 2, parse, take);

  FinishReport report;
  report.complete = scanner.saw_end() && stop.empty();
  report.stopped_because = stop.empty() ? scanner.stop_reason() : stop;
  report.skipped_records = scanner.skipped_pending();

  // Rows in seq order; seqs renumbered densely when some calls are missing.
  std::stable_sort(calls.begin(), calls.end(),
                   [](const CallRow& a, const CallRow& b) { return a.seq < b.seq; });
  std::unordered_map<int64_t, int64_t> new_seq;
  for (size_t i = 0; i < calls.size(); ++i) new_seq.try_emplace(calls[i].seq, i);

  // A view used by a call needs its base in the file, used or not.
  for (auto& [hash, t] : tensors) {
    if (t.used && !t.source.view_of.empty()) tensors.at(t.source.view_of).used = true;
  }
  std::vector<const SpooledTensor*> used;
  bool has_views = false;
  for (const auto& [hash, t] : tensors) {
    if (!t.used) continue;
    used.push_back(&t);
    has_views = has_views || !t.source.view_of.empty();
  }
  // The lowest format that describes the file, so that older readers open
  // a trace without views.
  meta.format_version = has_views ? kFormatVersion : kFormatVersionWithoutViews;
  std::sort(used.begin(), used.end(),
            [](const SpooledTensor* a, const SpooledTensor* b) { return a->order < b->order; });
  std::vector<TensorSource> sources;
  for (const SpooledTensor* t : used) {
    sources.push_back(t->source);
    if (!t->source.view_of.empty()) continue;
    report.raw_bytes +=
        *checked_numel(t->source.sizes) * static_cast<int64_t>(dtype_size(t->source.dtype));
  }

  TraceFileWriter file(trace_path, meta, level, chunk_bytes);
  file.write_tensors(sources);
  file.write_calls(calls.size(), [&](size_t i) {
    CallRow row = std::move(calls[i]);
    row.seq = static_cast<int64_t>(i);
    auto parent = new_seq.find(row.parent);
    row.parent = parent == new_seq.end() ? -1 : parent->second;
    return row;
  });
  file.commit();

  report.calls = static_cast<int64_t>(calls.size());
  report.tensors = static_cast<int64_t>(sources.size());
  struct stat st {};
  if (::stat(trace_path.c_str(), &st) == 0) report.stored_bytes = st.st_size;
  if (!keep_spool) {
    std::remove(spool_path.c_str());
    std::remove(values_path(spool_path).c_str());
  }
  return report;
}

}  // namespace tapml::store
