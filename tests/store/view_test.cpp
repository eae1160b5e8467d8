// Permuted views (formats 2 and 3): a tensor stored as its base's hash plus
// dims reads back as the base's values reordered, is verified against its
// name (view_hash of base and dims; format 2's names hashed the values),
// travels with its base into subsets, and is refused when damaged.
#include <gtest/gtest.h>
#include <hdf5.h>

#include "fixtures.h"
#include "store/reader.h"
#include "store/writer.h"

namespace tapml::store {
namespace {

using testing::make_tensor;
using testing::make_view;
using testing::SampleTensor;
using testing::ScratchDir;

// One call referencing `view` (and not its base), the base put first.
void write_trace(const std::string& path, const SampleTensor& base, const SampleTensor& view) {
  auto writer = TraceWriter::create(path, testing::sample_meta());
  writer->put_tensor_from(base.hash, base.dtype, base.sizes, base.bytes.data(), base.bytes.size());
  Call call = testing::call_with_every_kind(0, {view});
  testing::put_call_with(*writer, call, {&view});
  writer->close();
  finish_trace(path + ".spool", path);
}

TEST(StoreView, ReadsAsItsBaseReordered) {
  ScratchDir dir;
  for (DType dtype : {DType::Float32, DType::Float16, DType::Int64, DType::Bool}) {
    const SampleTensor base = make_tensor(dtype, {3, 4, 5}, 11);
    const SampleTensor view = make_view(base, {2, 0, 1});
    ASSERT_EQ(view.sizes, (std::vector<int64_t>{5, 3, 4}));
    const std::string path = dir.file(std::string(dtype_name(dtype)) + ".h5");
    write_trace(path, base, view);

    auto reader = TraceReader::open(path);
    EXPECT_EQ(reader->meta().format_version, kFormatVersion);
    const StoredTensor info = reader->tensor_info(view.hash);
    EXPECT_EQ(info.view_of, base.hash);
    EXPECT_EQ(info.dims, view.dims);
    EXPECT_EQ(info.sizes, view.sizes);
    EXPECT_EQ(info.dtype, dtype);
    EXPECT_EQ(info.nbytes, view.bytes.size());
    EXPECT_EQ(info.stored_bytes, 0u);
    EXPECT_EQ(reader->read_tensor(view.hash), view.bytes) << dtype_name(dtype);
    EXPECT_EQ(reader->read_tensor(base.hash), base.bytes);
    EXPECT_TRUE(reader->verify_all().empty());
    // The base is kept although no call references it.
    EXPECT_EQ(reader->tensors().size(), 2u);
  }
}

TEST(StoreView, NamedByBaseAndDimsNotByValues) {
  const SampleTensor base = make_tensor(DType::Float32, {4, 6}, 2);
  const SampleTensor view = make_view(base, {1, 0});
  EXPECT_EQ(view.hash, view_hash(base.hash, {1, 0}));
  EXPECT_NE(view.hash, tensor_hash(view.dtype, view.sizes, view.bytes.data(), view.bytes.size()));
  EXPECT_NE(view_hash(base.hash, {1, 0}), view_hash(base.hash, {0, 1}));
  const SampleTensor other = make_tensor(DType::Float32, {4, 6}, 3);
  EXPECT_NE(view_hash(other.hash, {1, 0}), view.hash);
}

// Traces written before format 3 named a view by the hash of its own values.
TEST(StoreView, FormatTwoViewNamedByItsValuesStillVerifies) {
  ScratchDir dir;
  const SampleTensor base = make_tensor(DType::Float16, {5, 3, 2}, 8);
  SampleTensor view = make_view(base, {2, 0, 1});
  view.hash = tensor_hash(view.dtype, view.sizes, view.bytes.data(), view.bytes.size());
  const std::string path = dir.file("format2.h5");
  write_trace(path, base, view);
  auto reader = TraceReader::open(path);
  EXPECT_EQ(reader->read_tensor(view.hash), view.bytes);
  EXPECT_TRUE(reader->verify_all().empty());
}

TEST(StoreView, TransposeOfAMatrix) {
  const SampleTensor base = make_tensor(DType::Int32, {2, 3}, 5);
  const SampleTensor view = make_view(base, {1, 0});
  const auto* b = reinterpret_cast<const int32_t*>(base.bytes.data());
  const auto* v = reinterpret_cast<const int32_t*>(view.bytes.data());
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 2; ++j) EXPECT_EQ(v[i * 2 + j], b[j * 3 + i]);
  }
}

TEST(StoreView, SubsetCarriesTheBase) {
  ScratchDir dir;
  const SampleTensor base = make_tensor(DType::Float32, {40, 30}, 3);
  const SampleTensor view = make_view(base, {1, 0});
  write_trace(dir.file("full.h5"), base, view);
  auto full = TraceReader::open(dir.file("full.h5"));
  copy_subset(*full, {0}, dir.file("subset.h5"));
  auto subset = TraceReader::open(dir.file("subset.h5"));
  EXPECT_EQ(subset->read_tensor(view.hash), view.bytes);
  EXPECT_TRUE(subset->verify_all().empty());
}

TEST(StoreView, WriterRefusesUnknownBaseAndBadDims) {
  ScratchDir dir;
  const SampleTensor base = make_tensor(DType::Float32, {4, 5}, 3);
  auto writer = TraceWriter::create(dir.file("bad.h5"), testing::sample_meta());
  EXPECT_THROW(writer->put_view(std::string(32, 'a'), base.hash, {1, 0}), TraceError);
  writer->put_tensor_from(base.hash, base.dtype, base.sizes, base.bytes.data(), base.bytes.size());
  EXPECT_THROW(writer->put_view(std::string(32, 'a'), base.hash, {1, 1}), TraceError);
  EXPECT_THROW(writer->put_view(std::string(32, 'a'), base.hash, {0, 1, 2}), TraceError);
  writer->put_view(std::string(32, 'a'), base.hash, {1, 0});
  EXPECT_TRUE(writer->has_tensor(std::string(32, 'a')));
}

// Rewrites the view's dims attribute, as damage or a wrong writer would.
void set_dims(const std::string& path, const std::string& hash, std::vector<int64_t> dims) {
  hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  hid_t dataset = H5Dopen2(file, ("tensors/" + hash).c_str(), H5P_DEFAULT);
  H5Adelete(dataset, "dims");
  const hsize_t count = dims.size();
  hid_t space = H5Screate_simple(1, &count, nullptr);
  hid_t attr = H5Acreate2(dataset, "dims", H5T_STD_I64LE, space, H5P_DEFAULT, H5P_DEFAULT);
  H5Awrite(attr, H5T_NATIVE_INT64, dims.data());
  H5Aclose(attr);
  H5Sclose(space);
  H5Dclose(dataset);
  H5Fclose(file);
}

TEST(StoreView, DamagedViewIsReported) {
  ScratchDir dir;
  const SampleTensor base = make_tensor(DType::Float32, {6, 7, 2}, 9);
  const SampleTensor view = make_view(base, {1, 2, 0});
  struct Case {
    std::vector<int64_t> dims;
    const char* says;
  };
  for (const Case& c : {Case{{2, 1, 0}, "do not match its hash"},
                        Case{{1, 1, 0}, "not a permutation"}, Case{{1, 0}, "not a permutation"}}) {
    const std::string path = dir.file("damaged.h5");
    write_trace(path, base, view);
    set_dims(path, view.hash, c.dims);
    auto reader = TraceReader::open(path);
    try {
      reader->read_tensor(view.hash);
      ADD_FAILURE() << "dims " << c.dims.size() << " read without error";
    } catch (const TraceError& e) {
      EXPECT_NE(std::string(e.what()).find(c.says), std::string::npos) << e.what();
    }
    EXPECT_FALSE(reader->verify_all().empty());
  }
}

}  // namespace
}  // namespace tapml::store
