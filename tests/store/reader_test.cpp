// The reader on good and damaged traces: subset copies, verify finding a
// corrupted tensor, and one clear TraceError for each kind of bad input.
#include "store/reader.h"

#include <gtest/gtest.h>
#include <hdf5.h>

#include <filesystem>
#include <fstream>

#include "fixtures.h"
#include "store/writer.h"

namespace tapml::store {
namespace {

using testing::make_tensor;
using testing::SampleTensor;
using testing::ScratchDir;

class StoreReader : public ::testing::Test {
 protected:
  // Six calls: 0 is the parent of 1..5; call i uses tensors[i % 3] and tensors[3 + i].
  void SetUp() override {
    for (uint32_t i = 0; i < 9; ++i) tensors_.push_back(make_tensor(DType::Float32, {16, 8}, i));
    auto writer = TraceWriter::create(path_, testing::sample_meta());
    for (int64_t i = 0; i < 6; ++i) {
      const SampleTensor& a = tensors_[static_cast<size_t>(i % 3)];
      const SampleTensor& b = tensors_[static_cast<size_t>(3 + i)];
      Call call = testing::call_with_every_kind(i, {a, b});
      if (i == 4) call.name = "aten::other";
      testing::put_call_with(*writer, call, {&a, &b});
    }
    writer->close();
    finish_trace(path_ + ".spool", path_);
  }

  // Opens the trace for writing with HDF5 itself, to damage it.
  void edit(const std::function<void(hid_t)>& change) {
    hid_t file = H5Fopen(path_.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    ASSERT_GE(file, 0);
    change(file);
    H5Fclose(file);
  }

  void expect_open_fails(const std::string& path, const std::string& fragment) {
    try {
      auto reader = TraceReader::open(path);
      ADD_FAILURE() << "opened " << path;
    } catch (const TraceError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find(path), std::string::npos) << what;
      EXPECT_NE(what.find(fragment), std::string::npos) << what;
      EXPECT_EQ(what.find('\n'), std::string::npos) << what;
    }
  }

  ScratchDir dir_;
  std::string path_ = dir_.file("trace.h5");
  std::vector<SampleTensor> tensors_;
};

TEST_F(StoreReader, SubsetKeepsChosenCallsAndOnlyTheirTensors) {
  auto source = TraceReader::open(path_);
  const std::string out = dir_.file("subset.h5");
  copy_subset(*source, {5, 2, 0}, out);
  auto subset = TraceReader::open(out);
  ASSERT_EQ(subset->num_calls(), 3u);
  EXPECT_EQ(subset->call(0).parent, -1);
  EXPECT_EQ(subset->call(1).parent, 0);  // was call 2, parent 0
  EXPECT_EQ(subset->call(2).parent, 0);  // was call 5
  EXPECT_EQ(subset->call(1).scope, source->call(2).scope);
  // Calls 0, 2, 5 use tensors 0, 2, 2 and 3, 5, 8.
  EXPECT_EQ(subset->tensors().size(), 5u);
  for (size_t t : {0u, 2u, 3u, 5u, 8u}) {
    EXPECT_EQ(subset->read_tensor(tensors_[t].hash), tensors_[t].bytes);
  }
  EXPECT_THROW(subset->tensor_info(tensors_[1].hash), TraceError);
  EXPECT_EQ(subset->meta().extra.at("subset_seqs"), "0,2,5");
  EXPECT_EQ(subset->meta().model, "unit-test");
  EXPECT_TRUE(subset->verify_all().empty());
  EXPECT_THROW(copy_subset(*source, {6}, dir_.file("bad.h5")), TraceError);
}

TEST_F(StoreReader, OpStatsCountCallsAndSignatures) {
  const auto stats = TraceReader::open(path_)->op_stats();
  EXPECT_EQ(stats.at("aten::test_op.every").calls, 5);
  EXPECT_EQ(stats.at("aten::other.every").calls, 1);
  EXPECT_EQ(stats.at("aten::test_op.every").signatures, 1);
}

TEST_F(StoreReader, VerifyFindsRewrittenTensor) {
  edit([&](hid_t file) {
    hid_t dataset = H5Dopen2(file, ("tensors/" + tensors_[4].hash).c_str(), H5P_DEFAULT);
    std::vector<float> zeros(16 * 8, 0.0f);
    H5Dwrite(dataset, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, zeros.data());
    H5Dclose(dataset);
  });
  auto reader = TraceReader::open(path_);
  EXPECT_EQ(reader->verify(), std::vector<std::string>{tensors_[4].hash});
  EXPECT_THROW(reader->read_tensor(tensors_[4].hash), TraceError);
  EXPECT_EQ(reader->read_tensor(tensors_[5].hash), tensors_[5].bytes);
}

TEST_F(StoreReader, VerifyFindsFlippedChunkByte) {
  haddr_t address = 0;
  hsize_t size = 0;
  edit([&](hid_t file) {
    hid_t dataset = H5Dopen2(file, ("tensors/" + tensors_[7].hash).c_str(), H5P_DEFAULT);
    hsize_t offset[2];
    unsigned mask = 0;
    hid_t space = H5Dget_space(dataset);
    H5Dget_chunk_info(dataset, space, 0, offset, &mask, &address, &size);
    H5Sclose(space);
    H5Dclose(dataset);
  });
  ASSERT_GT(size, 20u);
  std::fstream f(path_, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(static_cast<std::streamoff>(address + size / 2));
  f.put('\x5a');
  f.close();
  const auto problems = TraceReader::open(path_)->verify_all();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].what, tensors_[7].hash);
}

TEST_F(StoreReader, VerifyFindsMissingTensorAndBadCallJson) {
  edit([&](hid_t file) { H5Ldelete(file, ("tensors/" + tensors_[3].hash).c_str(), H5P_DEFAULT); });
  auto problems = TraceReader::open(path_)->verify_all();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].problem.find("not stored"), std::string::npos);
  EXPECT_THROW(TraceReader::open(path_)->read_tensor(tensors_[3].hash), TraceError);
}

TEST_F(StoreReader, BadInputIsOneClearError) {
  expect_open_fails(dir_.file("absent.h5"), "no such file");
  expect_open_fails(dir_.file(""), "not a regular file");
  const std::string text = dir_.file("text.h5");
  std::ofstream(text) << "hello";
  expect_open_fails(text, "not an HDF5 file");
  // Truncated.
  const std::string cut = dir_.file("cut.h5");
  std::filesystem::copy_file(path_, cut);
  std::filesystem::resize_file(cut, std::filesystem::file_size(cut) / 2);
  expect_open_fails(cut, "");
  // Not a trace: an HDF5 file without TapML's attributes.
  const std::string plain = dir_.file("plain.h5");
  H5Fclose(H5Fcreate(plain.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
  expect_open_fails(plain, "not a TapML trace");
}

TEST_F(StoreReader, FutureFormatVersionSaysUpdate) {
  edit([](hid_t file) {
    const int64_t version = kFormatVersion + 1;
    hid_t attr = H5Aopen(file, "format_version", H5P_DEFAULT);
    H5Awrite(attr, H5T_NATIVE_INT64, &version);
    H5Aclose(attr);
  });
  expect_open_fails(path_, "made by a newer TapML");
}

TEST_F(StoreReader, MissingGroupOrColumn) {
  edit([](hid_t file) { H5Ldelete(file, "tensors", H5P_DEFAULT); });
  expect_open_fails(path_, "missing group /tensors");
}

TEST_F(StoreReader, AbsurdShapeIsRefusedBeforeAllocating) {
  const std::string& hash = tensors_[0].hash;
  edit([&](hid_t file) {
    H5Ldelete(file, ("tensors/" + hash).c_str(), H5P_DEFAULT);
    // A float32 tensor of 2^36 elements with no chunk written: a damaged
    // shape must not make the reader allocate 256 GiB.
    const hsize_t dims[2] = {hsize_t{1} << 18, hsize_t{1} << 18}, chunk[2] = {1, 1024};
    hid_t space = H5Screate_simple(2, dims, nullptr);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 2, chunk);
    hid_t dataset = H5Dcreate2(file, ("tensors/" + hash).c_str(), H5T_IEEE_F32LE, space,
                               H5P_DEFAULT, dcpl, H5P_DEFAULT);
    hid_t str = H5Tcopy(H5T_C_S1);
    H5Tset_size(str, 8);
    hid_t scalar = H5Screate(H5S_SCALAR);
    hid_t attr = H5Acreate2(dataset, "dtype", str, scalar, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(attr, str, "float32\0");
    H5Aclose(attr);
    H5Sclose(scalar);
    H5Tclose(str);
    H5Dclose(dataset);
    H5Pclose(dcpl);
    H5Sclose(space);
  });
  auto reader = TraceReader::open(path_);
  try {
    reader->read_tensor(hash);
    ADD_FAILURE() << "read an absurd tensor";
  } catch (const TraceError& e) {
    EXPECT_NE(std::string(e.what()).find("chunks stored"), std::string::npos) << e.what();
  }
}

TEST_F(StoreReader, CallOutOfRangeAndBadHash) {
  auto reader = TraceReader::open(path_);
  EXPECT_THROW(reader->call(6), TraceError);
  EXPECT_THROW(reader->read_tensor("../../etc/passwd"), TraceError);
  EXPECT_THROW(reader->read_tensor(std::string(32, '0')), TraceError);
}

TEST(StoreSpool, NotASpoolIsAClearError) {
  ScratchDir dir;
  std::ofstream(dir.file("x.spool")) << "not a spool at all";
  try {
    finish_trace(dir.file("x.spool"), dir.file("x.h5"));
    ADD_FAILURE();
  } catch (const TraceError& e) {
    EXPECT_NE(std::string(e.what()).find("not a TapML spool"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(dir.file("x.h5")));
  EXPECT_FALSE(std::filesystem::exists(dir.file("x.h5.partial")));
}

}  // namespace
}  // namespace tapml::store
