#include "store/call_record.h"

#include <cstring>

#include "store/call_json.h"
#include "store/call_json_text.h"

namespace tapml::store {

namespace {

template <typename T>
void put(std::string& out, T value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof(value));
}

void put_text(std::string& out, const std::string& text) {
  put(out, static_cast<uint32_t>(text.size()));
  out += text;
}

class RecordReader {
 public:
  RecordReader(const std::byte* data, uint64_t length) : data_(data), length_(length) {}

  template <typename T>
  T get(const char* what) {
    T value;
    need(sizeof(value), what);
    std::memcpy(&value, data_ + pos_, sizeof(value));
    pos_ += sizeof(value);
    return value;
  }
  std::string text(const char* what) {
    const auto size = get<uint32_t>(what);
    need(size, what);
    std::string value(reinterpret_cast<const char*>(data_ + pos_), size);
    pos_ += size;
    return value;
  }
  void expect_end() const {
    if (pos_ != length_) {
      throw TraceError("call record has " + std::to_string(length_ - pos_) +
                       " bytes after its end");
    }
  }

 private:
  void need(uint64_t bytes, const char* what) const {
    if (bytes > length_ - pos_) throw TraceError(std::string("call record cut short in ") + what);
  }

  const std::byte* data_;
  uint64_t length_;
  uint64_t pos_ = 0;
};

}  // namespace

void encode_call_record(const Call& call, std::string& out) {
  out.clear();
  put(out, call.seq);
  put(out, call.parent);
  put(out, call.start_ns);
  put(out, call.end_ns);
  put(out, call.thread);
  put(out, call.depth);
  put(out, call.flags);
  put_text(out, call.name);
  put_text(out, call.overload);
  put_text(out, call.schema);
  put_text(out, call.scope);
  // The argument texts go through one reused buffer: no allocation per call.
  thread_local std::string args;
  args_json_text(call.inputs, args);
  put_text(out, args);
  args_json_text(call.outputs, args);
  put_text(out, args);
  thread_local std::vector<std::string> hashes;
  hashes.clear();
  collect_hashes(call.inputs, hashes);
  collect_hashes(call.outputs, hashes);
  put(out, static_cast<uint32_t>(hashes.size()));
  for (const std::string& hash : hashes) put_text(out, hash);
}

DecodedCall decode_call_record(const std::byte* payload, uint64_t length) {
  RecordReader in(payload, length);
  DecodedCall call;
  CallRow& row = call.row;
  row.seq = in.get<int64_t>("seq");
  row.parent = in.get<int64_t>("parent");
  row.start_ns = in.get<int64_t>("start_ns");
  row.end_ns = in.get<int64_t>("end_ns");
  row.thread = in.get<uint64_t>("thread");
  row.depth = in.get<int32_t>("depth");
  row.flags = in.get<uint32_t>("flags");
  row.name = in.text("name");
  row.overload = in.text("overload");
  row.schema = in.text("schema");
  row.scope = in.text("scope");
  row.inputs = in.text("inputs");
  row.outputs = in.text("outputs");
  const auto count = in.get<uint32_t>("hash count");
  for (uint32_t i = 0; i < count; ++i) call.hashes.push_back(in.text("hashes"));
  in.expect_end();
  return call;
}

}  // namespace tapml::store
