// Writer -> spool -> finish_trace -> HDF5 -> reader, for every dtype and
// every argument kind; dedupe; late metadata; concurrent writers.
#include <gtest/gtest.h>

#include <thread>

#include "fixtures.h"
#include "store/call_json.h"
#include "store/call_json_text.h"
#include "store/call_record.h"
#include "store/reader.h"
#include "store/writer.h"

namespace tapml::store {
namespace {

using testing::make_tensor;
using testing::SampleTensor;
using testing::ScratchDir;

std::string encoded(const Call& call) { return call_to_json(call).dump(); }

TEST(StoreRoundTrip, EveryDTypeAndShape) {
  ScratchDir dir;
  const std::string path = dir.file("t.h5");
  const std::vector<std::vector<int64_t>> shapes = {{},     {0},       {3, 0, 2},  {7},
                                                    {3, 5}, {2, 3, 4}, {600, 700}, {3, 2, 300000}};
  std::vector<SampleTensor> tensors;
  uint32_t seed = 1;
  for (DType dtype : kAllDTypes) {
    for (const auto& shape : shapes) {
      if (dtype_size(dtype) * 1800000 > 8000000 && shape.size() == 3 && shape[2] == 300000) {
        continue;
      }
      tensors.push_back(make_tensor(dtype, shape, seed++));
    }
  }
  auto writer = TraceWriter::create(path, testing::sample_meta(), {.chunk_bytes = 64 << 10});
  for (size_t i = 0; i < tensors.size(); ++i) {
    Call call = testing::call_with_every_kind(static_cast<int64_t>(i), {tensors[i]});
    testing::put_call_with(*writer, call, {&tensors[i]});
  }
  writer->close();
  ASSERT_EQ(writer->error(), "");
  const FinishReport report = finish_trace(path + ".spool", path);
  EXPECT_TRUE(report.complete) << report.stopped_because;
  EXPECT_EQ(report.calls, static_cast<int64_t>(tensors.size()));
  EXPECT_EQ(report.tensors, static_cast<int64_t>(tensors.size()));

  auto reader = TraceReader::open(path);
  ASSERT_EQ(reader->num_calls(), tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    const SampleTensor& t = tensors[i];
    SCOPED_TRACE(std::string(dtype_name(t.dtype)) + " rank " + std::to_string(t.sizes.size()));
    const StoredTensor info = reader->tensor_info(t.hash);
    EXPECT_EQ(info.dtype, t.dtype);
    EXPECT_EQ(info.sizes, t.sizes);
    EXPECT_EQ(info.nbytes, t.bytes.size());
    EXPECT_EQ(reader->read_tensor(t.hash), t.bytes);
    const Call call = reader->call(i);
    EXPECT_EQ(encoded(call), encoded(testing::call_with_every_kind(static_cast<int64_t>(i), {t})));
  }
  EXPECT_TRUE(reader->verify().empty());
  EXPECT_TRUE(reader->verify_all().empty());
}

TEST(StoreRoundTrip, EveryValueKindKeepsItsFields) {
  ScratchDir dir;
  const std::string path = dir.file("kinds.h5");
  const std::vector<SampleTensor> tensors = {make_tensor(DType::Float32, {2, 3}, 1),
                                             make_tensor(DType::Int64, {4}, 2),
                                             make_tensor(DType::BFloat16, {5, 1}, 3)};
  const Call original = testing::call_with_every_kind(0, tensors);
  {
    auto writer = TraceWriter::create(path, testing::sample_meta());
    testing::put_call_with(*writer, original, {&tensors[0], &tensors[1], &tensors[2]});
    writer->close();
  }
  finish_trace(path + ".spool", path);
  const Call call = TraceReader::open(path)->call(0);
  EXPECT_EQ(call.full_name(), "aten::test_op.every");
  EXPECT_EQ(call.thread, 0xdeadbeefcafeULL);
  EXPECT_EQ(call.scope, "model.layers.0");
  ASSERT_EQ(call.inputs.size(), original.inputs.size());
  for (size_t i = 0; i < call.inputs.size(); ++i) {
    EXPECT_EQ(call.inputs[i].value.kind, original.inputs[i].value.kind) << call.inputs[i].name;
    EXPECT_EQ(call.inputs[i].type, original.inputs[i].type);
  }
  auto input = [&](const char* name) -> const Value& {
    for (const Arg& a : call.inputs) {
      if (a.name == name) return a.value;
    }
    throw std::runtime_error(name);
  };
  EXPECT_TRUE(input("flag").b);
  EXPECT_EQ(input("dim").i, -9'000'000'000'000LL);
  EXPECT_EQ(input("alpha").f, 0.1);
  EXPECT_TRUE(std::isnan(input("nan").f));
  EXPECT_EQ(input("inf").f, -std::numeric_limits<double>::infinity());
  EXPECT_EQ(input("z").f_imag, -2.25);
  EXPECT_EQ(input("mode").text, "tanh \"quoted\"\n");
  EXPECT_EQ(input("scales").floats[2], 1e-300);
  EXPECT_EQ(input("mask").bools, (std::vector<bool>{true, false, true}));
  ASSERT_EQ(input("tensors").tensors.size(), 3u);
  EXPECT_FALSE(input("tensors").tensors[2].has_value());
  EXPECT_EQ(input("tensors").tensors[1]->dtype, DType::BFloat16);
  EXPECT_EQ(input("memory_format").text, "torch.channels_last");
  const TensorMeta& out = call.outputs[1].value.tensor;
  EXPECT_FALSE(out.captured());
  EXPECT_EQ(out.strides, (std::vector<int64_t>{1, 3}));
  EXPECT_EQ(out.storage_offset, 7);
  EXPECT_EQ(out.device, "cuda:0");
}

// The spool's fast JSON writer and the nlohmann encoding agree, strings with
// quotes, control characters, UTF-8 and invalid bytes included.
TEST(StoreRoundTrip, FastArgsTextEqualsTheJsonEncoding) {
  const std::vector<SampleTensor> tensors = {make_tensor(DType::Float32, {2, 3}, 1),
                                             make_tensor(DType::Int64, {4}, 2),
                                             make_tensor(DType::BFloat16, {5, 1}, 3)};
  Call call = testing::call_with_every_kind(0, tensors);
  call.inputs[0].name = "model.layers.0 \u00e9\t\"x\" h\xc3\xa9llo \xe2\x9c\x93";
  std::string text;
  args_json_text(call.inputs, text);
  EXPECT_EQ(nlohmann::json::parse(text), args_to_json(call.inputs)) << text;
  args_json_text(call.outputs, text);
  EXPECT_EQ(nlohmann::json::parse(text), args_to_json(call.outputs)) << text;
  call.inputs[0].name = std::string("bad \xff\xc3 utf-8");
  args_json_text(call.inputs, text);
  const std::vector<Arg> back = args_from_json(nlohmann::json::parse(text));
  EXPECT_EQ(back[0].name.substr(0, 4), "bad ");
  EXPECT_EQ(back.size(), call.inputs.size());
}

// A call as the spool holds it decodes to the row call_to_row makes, with
// the hashes of every tensor it references; a damaged record says where.
TEST(StoreRoundTrip, CallRecordDecodesToItsRow) {
  const std::vector<SampleTensor> tensors = {make_tensor(DType::Float32, {2, 3}, 1),
                                             make_tensor(DType::Int64, {4}, 2)};
  Call call = testing::call_with_every_kind(5, tensors);
  call.scope = "model.layers.0 \xff";
  std::string record;
  encode_call_record(call, record);
  const auto* bytes = reinterpret_cast<const std::byte*>(record.data());
  const DecodedCall decoded = decode_call_record(bytes, record.size());
  const CallRow want = call_to_row(call);
  EXPECT_EQ(decoded.row.seq, want.seq);
  EXPECT_EQ(decoded.row.parent, want.parent);
  EXPECT_EQ(decoded.row.depth, want.depth);
  EXPECT_EQ(decoded.row.thread, want.thread);
  EXPECT_EQ(decoded.row.start_ns, want.start_ns);
  EXPECT_EQ(decoded.row.end_ns, want.end_ns);
  EXPECT_EQ(decoded.row.flags, want.flags);
  EXPECT_EQ(decoded.row.name, want.name);
  EXPECT_EQ(decoded.row.overload, want.overload);
  EXPECT_EQ(decoded.row.schema, want.schema);
  EXPECT_EQ(decoded.row.scope, want.scope);
  EXPECT_EQ(nlohmann::json::parse(decoded.row.inputs), nlohmann::json::parse(want.inputs));
  EXPECT_EQ(nlohmann::json::parse(decoded.row.outputs), nlohmann::json::parse(want.outputs));
  std::vector<std::string> hashes;
  collect_hashes(call.inputs, hashes);
  collect_hashes(call.outputs, hashes);
  EXPECT_EQ(decoded.hashes, hashes);
  EXPECT_EQ(decoded.hashes.size(), 3u);  // self, the list's tensor, the result

  try {
    decode_call_record(bytes, record.size() - 3);
    ADD_FAILURE() << "a cut record decoded";
  } catch (const TraceError& e) {
    EXPECT_NE(std::string(e.what()).find("cut short in hashes"), std::string::npos) << e.what();
  }
  record += "xyz";
  try {
    decode_call_record(reinterpret_cast<const std::byte*>(record.data()), record.size());
    ADD_FAILURE() << "a record with trailing bytes decoded";
  } catch (const TraceError& e) {
    EXPECT_NE(std::string(e.what()).find("3 bytes after its end"), std::string::npos) << e.what();
  }
}

TEST(StoreRoundTrip, MetadataIncludingLateKeys) {
  ScratchDir dir;
  const std::string path = dir.file("meta.h5");
  {
    auto writer = TraceWriter::create(path, testing::sample_meta());
    writer->set_meta("runtime_version", "2.99");
    writer->set_meta("seed", "42");
    writer->close();
  }
  finish_trace(path + ".spool", path);
  auto reader = TraceReader::open(path);
  const TraceMeta& meta = reader->meta();
  EXPECT_EQ(meta.format_version, kFormatVersionWithoutViews);  // it holds no view
  EXPECT_EQ(meta.runtime_version, "2.99");
  EXPECT_EQ(meta.command, "python drive.py --x \"y z\"");
  EXPECT_EQ(meta.config, "[record]\nmax_calls = 10\n");
  EXPECT_EQ(meta.extra.at("seed"), "42");
  EXPECT_EQ(meta.extra.at("note"), "héllo ✓");
  EXPECT_EQ(reader->num_calls(), 0u);
}

TEST(StoreRoundTrip, SameTensorIsStoredOnce) {
  ScratchDir dir;
  const std::string path = dir.file("dedupe.h5");
  const SampleTensor weight = make_tensor(DType::Float32, {64, 64}, 7);
  const SampleTensor other = make_tensor(DType::Float32, {64, 64}, 8);
  auto writer = TraceWriter::create(path, testing::sample_meta());
  for (int i = 0; i < 10; ++i) {
    writer->put_tensor(weight.hash, weight.dtype, weight.sizes,
                       weight.bytes);  // put again: deduped
    testing::put_call_with(*writer, testing::call_with_every_kind(i, {weight, other}), {&other});
  }
  const WriterStats stats = writer->stats();
  EXPECT_EQ(stats.tensors, 2);
  EXPECT_EQ(stats.raw_bytes, 2 * 64 * 64 * 4);
  EXPECT_EQ(stats.referenced_bytes, 20 * 64 * 64 * 4);
  EXPECT_EQ(stats.calls, 10);
  writer->close();
  finish_trace(path + ".spool", path);
  auto reader = TraceReader::open(path);
  EXPECT_EQ(reader->tensors().size(), 2u);
  const auto ops = reader->op_stats();
  ASSERT_EQ(ops.count("aten::test_op.every"), 1u);
  EXPECT_EQ(ops.at("aten::test_op.every").calls, 10);
  EXPECT_EQ(ops.at("aten::test_op.every").signatures, 1);
  // Each call references the weight once and `other` twice (input list and output).
  EXPECT_EQ(ops.at("aten::test_op.every").tensor_bytes, 10 * 3 * 64 * 64 * 4);
}

TEST(StoreRoundTrip, ConcurrentWritersShareTensors) {
  ScratchDir dir;
  const std::string path = dir.file("threads.h5");
  std::vector<SampleTensor> shared;
  for (uint32_t i = 0; i < 8; ++i) shared.push_back(make_tensor(DType::Float32, {256, 256}, i));
  auto writer = TraceWriter::create(path, testing::sample_meta());
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        const SampleTensor& a = shared[static_cast<size_t>(i + t) % shared.size()];
        Call call = testing::call_with_every_kind(t * 50 + i, {a});
        call.parent = -1;
        testing::put_call_with(*writer, call, {&a});
      }
    });
  }
  for (auto& t : threads) t.join();
  writer->close();
  EXPECT_EQ(writer->stats().tensors, 8);
  const FinishReport report = finish_trace(path + ".spool", path);
  EXPECT_EQ(report.calls, 200);
  auto reader = TraceReader::open(path);
  for (size_t i = 0; i < 200; ++i) EXPECT_EQ(reader->call(i).seq, static_cast<int64_t>(i));
  EXPECT_TRUE(reader->verify().empty());
}

TEST(StoreRoundTrip, PutTensorRejectsWrongByteCount) {
  ScratchDir dir;
  auto writer = TraceWriter::create(dir.file("bad.h5"), testing::sample_meta());
  EXPECT_THROW(
      writer->put_tensor(std::string(32, 'a'), DType::Float32, {2, 2}, std::vector<std::byte>(15)),
      TraceError);
  EXPECT_THROW(writer->put_tensor(std::string(32, 'a'), DType::Float32, {-1, 2}, {}), TraceError);
}

}  // namespace
}  // namespace tapml::store
