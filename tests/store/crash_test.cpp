// A crash of the recorded program loses no completed call: a child process
// appends calls and dies (abort, SIGKILL) mid-run; finish_trace recovers
// every call the child had finished. A full disk is an error, not a crash.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "fixtures.h"
#include "store/call_json.h"
#include "store/call_record.h"
#include "store/reader.h"
#include "store/spool.h"
#include "store/writer.h"

namespace tapml::store {
namespace {

using testing::make_tensor;
using testing::SampleTensor;
using testing::ScratchDir;

// Child: appends calls forever (or `limit` of them), each with a fresh tensor
// and a shared one, and reports the number of completed calls on `report_fd`
// after each. Ends with abort() after `limit` calls when limit > 0.
[[noreturn]] void record_until_killed(const std::string& path, int report_fd, int64_t limit) {
  const SampleTensor shared = make_tensor(DType::Float32, {128, 128}, 1);
  auto writer = TraceWriter::create(path, testing::sample_meta());
  for (int64_t i = 0; limit == 0 || i < limit; ++i) {
    const SampleTensor own = make_tensor(DType::Float16, {17, 33}, static_cast<uint32_t>(i + 2));
    Call call = testing::call_with_every_kind(i, {shared, own});
    testing::put_call_with(*writer, call, {&shared, &own});
    const int64_t done = i + 1;
    if (::write(report_fd, &done, sizeof done) != sizeof done) std::_Exit(3);
  }
  std::abort();  // no close(): the spool has no end record
}

// Forks a recorder; returns the number of calls it reported before dying.
int64_t run_and_kill(const std::string& path, int64_t abort_after, int64_t kill_after) {
  int fds[2];
  EXPECT_EQ(::pipe(fds), 0);
  const pid_t child = ::fork();
  if (child == 0) {
    ::close(fds[0]);
    record_until_killed(path, fds[1], abort_after);
  }
  ::close(fds[1]);
  int64_t done = 0, value = 0;
  while (::read(fds[0], &value, sizeof value) == sizeof value) {
    done = value;
    if (kill_after > 0 && done >= kill_after) {
      ::kill(child, SIGKILL);
      // The child may finish more calls before the signal lands: read them.
    }
  }
  ::close(fds[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status));
  return done;
}

void expect_recovers(const std::string& path, int64_t completed) {
  const FinishReport report = finish_trace(path + ".spool", path);
  EXPECT_FALSE(report.complete);
  EXPECT_FALSE(report.stopped_because.empty());
  EXPECT_GE(report.calls, completed);
  auto reader = TraceReader::open(path);
  ASSERT_GE(reader->num_calls(), static_cast<size_t>(completed));
  EXPECT_TRUE(reader->verify_all().empty());
  // The last completed call is whole, tensors included.
  const Call last = reader->call(static_cast<size_t>(completed - 1));
  EXPECT_EQ(last.seq, completed - 1);
  for (const Arg& arg : last.inputs) {
    if (arg.value.kind == ValueKind::Tensor) {
      EXPECT_NO_THROW(reader->read_tensor(arg.value.tensor.hash));
    }
  }
}

TEST(StoreCrash, AbortLosesNoCompletedCall) {
  ScratchDir dir;
  const std::string path = dir.file("abort.h5");
  const int64_t done = run_and_kill(path, 300, 0);
  EXPECT_EQ(done, 300);
  expect_recovers(path, done);
}

TEST(StoreCrash, SigkillMidRunLosesNoCompletedCall) {
  ScratchDir dir;
  const std::string path = dir.file("kill.h5");
  const int64_t done = run_and_kill(path, 0, 500);
  EXPECT_GE(done, 500);
  expect_recovers(path, done);
}

// The metadata record a spool starts with, for spools written by hand.
void append_meta_record(SpoolAppender& appender) {
  const std::string meta = R"({"meta":{"format_version":1,"tool_version":"","runtime":"",)"
                           R"("runtime_version":"","device":"","model":"m","config":"",)"
                           R"("command":"","host":"","start_time":""}})";
  appender.append(RecordType::Meta, meta.data(), meta.size());
}

TEST(StoreCrash, RecordCutMidCopyIsSkipped) {
  ScratchDir dir;
  const std::string spool = dir.file("cut.h5.spool");
  {
    SpoolAppender appender(spool);
    append_meta_record(appender);
    appender.reserve(RecordType::Tensor, 1000);  // a writer that died while copying
    appender.append(RecordType::MetaKV, R"({"key":"k","value":"v"})", 23);
    appender.close();
  }
  const FinishReport report = finish_trace(spool, dir.file("cut.h5"));
  EXPECT_EQ(report.skipped_records, 1);
  EXPECT_FALSE(report.complete);
  EXPECT_EQ(TraceReader::open(dir.file("cut.h5"))->meta().extra.at("k"), "v");
}

// A spool written by hand: its metadata record, then `calls` as records of
// `type` (Row as the recorder writes them, Call as older recorders did), with
// a record of junk bytes in place of call `junk_at` (-1: none), then the end.
std::string spool_of_calls(const ScratchDir& dir, RecordType type, int calls, int junk_at) {
  std::string spool = dir.file("hand.h5.spool");
  SpoolAppender appender(spool);
  append_meta_record(appender);
  const SampleTensor t = make_tensor(DType::Float32, {4}, 1);
  for (int i = 0; i < calls; ++i) {
    Call call = testing::call_with_every_kind(i, {t});
    for (auto* args : {&call.inputs, &call.outputs}) {  // not captured: no tensor records
      for (Arg& arg : *args) arg.value.tensor.hash.clear();
    }
    std::string payload = "junk!";
    if (i != junk_at && type == RecordType::Row) encode_call_record(call, payload);
    if (i != junk_at && type == RecordType::Call) payload = call_to_json(call).dump();
    appender.append(type, payload.data(), payload.size());
  }
  appender.append(RecordType::End, nullptr, 0);
  appender.close();
  return spool;
}

TEST(StoreCrash, OlderSpoolsWithJsonCallsStillFinish) {
  ScratchDir dir;
  const FinishReport report =
      finish_trace(spool_of_calls(dir, RecordType::Call, 3, -1), dir.file("old.h5"));
  EXPECT_TRUE(report.complete) << report.stopped_because;
  auto reader = TraceReader::open(dir.file("old.h5"));
  ASSERT_EQ(reader->num_calls(), 3u);
  EXPECT_EQ(reader->call(2).name, "aten::test_op");
  EXPECT_EQ(reader->call(2).inputs.size(), 19u);
  EXPECT_EQ(reader->call(2).inputs[7].value.text, "tanh \"quoted\"\n");
}

TEST(StoreCrash, MalformedCallRecordStopsReadingThere) {
  ScratchDir dir;
  for (RecordType type : {RecordType::Row, RecordType::Call}) {
    const FinishReport report = finish_trace(spool_of_calls(dir, type, 5, 2), dir.file("junk.h5"));
    EXPECT_FALSE(report.complete);
    EXPECT_EQ(report.calls, 2);
    EXPECT_NE(report.stopped_because.find("record at byte"), std::string::npos)
        << report.stopped_because;
    EXPECT_EQ(TraceReader::open(dir.file("junk.h5"))->num_calls(), 2u);
  }
}

// Large values go to the values file from wherever they lie in memory
// (O_DIRECT writes whole blocks around them); small ones stay in the spool.
TEST(StoreCrash, LargeValuesGoBesideTheSpoolFromAnyAddress) {
  ScratchDir dir;
  const std::string path = dir.file("beside.h5");
  std::vector<SampleTensor> tensors;
  for (uint32_t i = 0; i < 3; ++i) tensors.push_back(make_tensor(DType::Int8, {300, 701}, i + 1));
  const SampleTensor small = make_tensor(DType::Float32, {16}, 9);
  const std::vector<size_t> shifts = {0, 1, 4095};
  {
    auto writer = TraceWriter::create(path, testing::sample_meta());
    for (size_t i = 0; i < tensors.size(); ++i) {
      const SampleTensor& t = tensors[i];
      std::vector<std::byte> memory(t.bytes.size() + 8192);
      std::byte* at = memory.data() + shifts[i];
      std::memcpy(at, t.bytes.data(), t.bytes.size());
      writer->put_tensor_from(t.hash, t.dtype, t.sizes, at, t.bytes.size());
      testing::put_call_with(*writer, testing::call_with_every_kind(int64_t(i), {t, small}),
                             {&small});
    }
    writer->close();
  }
  const uint64_t spool_bytes = std::filesystem::file_size(path + ".spool");
  EXPECT_LT(spool_bytes, tensors[0].bytes.size());  // the values are not in the spool
  EXPECT_GE(std::filesystem::file_size(values_path(path + ".spool")), 3 * tensors[0].bytes.size());
  const FinishReport report = finish_trace(path + ".spool", path);
  EXPECT_TRUE(report.complete) << report.stopped_because;
  EXPECT_FALSE(std::filesystem::exists(values_path(path + ".spool")));
  auto reader = TraceReader::open(path);
  for (const SampleTensor& t : tensors) EXPECT_EQ(reader->read_tensor(t.hash), t.bytes);
  EXPECT_EQ(reader->read_tensor(small.hash), small.bytes);
  EXPECT_TRUE(reader->verify_all().empty());
}

// Values cut short (a disk that filled, a file copied in part) or missing
// stop reading at the first tensor they fail, like any damaged record.
TEST(StoreCrash, MissingValuesStopReadingAtThatTensor) {
  ScratchDir dir;
  const std::string path = dir.file("cut.h5");
  std::vector<SampleTensor> tensors;
  for (uint32_t i = 0; i < 3; ++i) tensors.push_back(make_tensor(DType::Int8, {300, 701}, i + 1));
  {
    auto writer = TraceWriter::create(path, testing::sample_meta());
    for (size_t i = 0; i < tensors.size(); ++i) {
      testing::put_call_with(*writer, testing::call_with_every_kind(int64_t(i), {tensors[i]}),
                             {&tensors[i]});
    }
    writer->close();
  }
  const std::string spool = path + ".spool";
  // The last block holds the last value's last byte.
  const std::string values = values_path(spool);
  std::filesystem::resize_file(values, std::filesystem::file_size(values) - 4096);
  FinishReport report = finish_trace(spool, path, /*keep_spool=*/true);
  EXPECT_EQ(report.calls, 2);
  EXPECT_NE(report.stopped_because.find("tensor " + tensors[2].hash +
                                        ": its values lie past the end of " + values_path(spool)),
            std::string::npos)
      << report.stopped_because;
  std::filesystem::remove(values_path(spool));
  report = finish_trace(spool, path, /*keep_spool=*/true);
  EXPECT_EQ(report.calls, 0);
  EXPECT_NE(report.stopped_because.find(values_path(spool) + " is missing"), std::string::npos)
      << report.stopped_because;
}

TEST(StoreCrash, DamagedRecordStopsReadingThere) {
  ScratchDir dir;
  const std::string path = dir.file("damaged.h5");
  const SampleTensor t = make_tensor(DType::Float32, {8, 8}, 1);
  {
    auto writer = TraceWriter::create(path, testing::sample_meta());
    for (int i = 0; i < 10; ++i) {
      testing::put_call_with(*writer, testing::call_with_every_kind(i, {t}), {&t});
    }
    writer->close();
  }
  // Flip a byte in the middle of the spool: reading stops at that record.
  const auto size = std::filesystem::file_size(path + ".spool");
  FILE* f = std::fopen((path + ".spool").c_str(), "r+b");
  ASSERT_TRUE(f);
  std::fseek(f, static_cast<long>(size * 2 / 3), SEEK_SET);
  const int c = std::fgetc(f);
  std::fseek(f, static_cast<long>(size * 2 / 3), SEEK_SET);
  std::fputc(c ^ 0x20, f);
  std::fclose(f);
  const FinishReport report = finish_trace(path + ".spool", path);
  EXPECT_FALSE(report.complete);
  EXPECT_NE(report.stopped_because.find("checksum"), std::string::npos) << report.stopped_because;
  EXPECT_GT(report.calls, 0);
  EXPECT_LT(report.calls, 10);
}

TEST(StoreCrash, CallBeforeItsTensorStopsReadingThere) {
  ScratchDir dir;
  const std::string path = dir.file("order.h5");
  const SampleTensor t = make_tensor(DType::Float32, {4}, 1), u = make_tensor(DType::Int8, {4}, 2);
  {
    auto writer = TraceWriter::create(path, testing::sample_meta());
    testing::put_call_with(*writer, testing::call_with_every_kind(0, {t}), {&t});
    writer->put_call(testing::call_with_every_kind(1, {u}));  // u never put
    testing::put_call_with(*writer, testing::call_with_every_kind(2, {t}), {&t});
    writer->close();
  }
  const FinishReport report = finish_trace(path + ".spool", path);
  EXPECT_EQ(report.calls, 1);
  EXPECT_NE(report.stopped_because.find(u.hash), std::string::npos) << report.stopped_because;
}

// Finishing parses records on worker threads in groups; a bad record deep
// in a later group still stops reading exactly there.
TEST(StoreCrash, BadCallAmongManyStopsReadingExactlyThere) {
  ScratchDir dir;
  const std::string path = dir.file("many.h5");
  const SampleTensor t = make_tensor(DType::Float32, {4}, 1), u = make_tensor(DType::Int8, {4}, 2);
  {
    auto writer = TraceWriter::create(path, testing::sample_meta());
    for (int i = 0; i < 1000; ++i) {
      if (i == 700) {
        writer->put_call(testing::call_with_every_kind(i, {u}));  // u never put
      } else {
        testing::put_call_with(*writer, testing::call_with_every_kind(i, {t}), {&t});
      }
    }
    writer->close();
  }
  const FinishReport report = finish_trace(path + ".spool", path);
  EXPECT_FALSE(report.complete);
  EXPECT_EQ(report.calls, 700);
  EXPECT_NE(report.stopped_because.find("call 700 references tensor " + u.hash), std::string::npos)
      << report.stopped_because;
  EXPECT_EQ(TraceReader::open(path)->num_calls(), 700u);
}

TEST(StoreCrash, MissingParentsAreRenumbered) {
  ScratchDir dir;
  const std::string path = dir.file("tree.h5");
  const SampleTensor t = make_tensor(DType::Float32, {4}, 1);
  {
    auto writer = TraceWriter::create(path, testing::sample_meta());
    // Calls arrive as they return: children first; call 0 never returned.
    for (int64_t seq : {2, 1, 4, 3}) {
      Call call = testing::call_with_every_kind(seq, {t});
      call.parent = seq == 2 ? 1 : seq == 4 ? 3 : 0;
      testing::put_call_with(*writer, call, {&t});
    }
  }  // no close: the destructor closes the spool
  finish_trace(path + ".spool", path);
  auto reader = TraceReader::open(path);
  ASSERT_EQ(reader->num_calls(), 4u);
  EXPECT_EQ(reader->call(0).parent, -1);  // was seq 1, its parent 0 is missing
  EXPECT_EQ(reader->call(1).parent, 0);   // was seq 2 -> parent seq 1
  EXPECT_EQ(reader->call(3).parent, 2);   // was seq 4 -> parent seq 3
}

// Fills a size-limited file system; the writer reports the error, drops
// further input, and the spool still holds every call before the error.
void fill_until_error(const std::string& path) {
  auto writer = TraceWriter::create(path, testing::sample_meta());
  int64_t calls = 0;
  for (uint32_t i = 0; i < 10000 && writer->error().empty(); ++i) {
    const SampleTensor t = make_tensor(DType::Float32, {512, 512}, i);
    testing::put_call_with(*writer, testing::call_with_every_kind(i, {t}), {&t});
    if (writer->error().empty()) calls = i + 1;
  }
  writer->close();
  std::printf("writer error after %lld calls: %s\n", static_cast<long long>(calls),
              writer->error().c_str());
  std::fflush(stdout);  // _Exit does not flush
  if (writer->error().empty()) std::_Exit(10);
  std::_Exit(calls > 0 ? 0 : 11);
}

TEST(StoreCrash, FileSizeLimitIsAnErrorNotACrash) {
  ScratchDir dir;
  const std::string path = dir.file("limited.h5");
  const pid_t child = ::fork();
  if (child == 0) {
    // SIGXFSZ keeps its default (kill): the spool must stop below the limit.
    struct rlimit limit = {40u << 20, 40u << 20};
    ::setrlimit(RLIMIT_FSIZE, &limit);
    fill_until_error(path);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status)) << "the writer crashed";
  ASSERT_EQ(WEXITSTATUS(status), 0);
  const FinishReport report = finish_trace(path + ".spool", path);
  EXPECT_GT(report.calls, 0);
  EXPECT_TRUE(TraceReader::open(path)->verify_all().empty());
}

TEST(StoreCrash, FullDiskIsAnErrorNotACrash) {
  ScratchDir dir;
  const std::string mount_point = dir.file("small-fs");
  std::filesystem::create_directory(mount_point);
  if (::mount("tapml-test", mount_point.c_str(), "tmpfs", 0, "size=48m") != 0) {
    GTEST_SKIP() << "cannot mount a small tmpfs here (needs root): " << std::strerror(errno)
                 << "; FileSizeLimitIsAnErrorNotACrash covers the same path";
  }
  const std::string path = mount_point + "/full.h5";
  const pid_t child = ::fork();
  if (child == 0) fill_until_error(path);
  int status = 0;
  ::waitpid(child, &status, 0);
  const std::string spool = dir.file("full.h5.spool");
  std::filesystem::copy_file(path + ".spool", spool);
  std::filesystem::copy_file(values_path(path + ".spool"), values_path(spool));
  ::umount(mount_point.c_str());
  ASSERT_TRUE(WIFEXITED(status)) << "the writer crashed";
  ASSERT_EQ(WEXITSTATUS(status), 0);
  const FinishReport report = finish_trace(spool, dir.file("full.h5"));
  EXPECT_GT(report.calls, 0);
  EXPECT_TRUE(TraceReader::open(dir.file("full.h5"))->verify_all().empty());
}

}  // namespace
}  // namespace tapml::store
