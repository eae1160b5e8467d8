#include "store/trace_file_writer.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <thread>

#include "store/call_json.h"
#include "store/chunk_layout.h"
#include "store/ordered_pool.h"
#include "store/zstd_filter.h"

namespace tapml::store {

namespace {

constexpr size_t kCallBatch = 1024;

H5Id create_tensor_dataset(hid_t group, const TensorSource& t, const ChunkLayout& layout, int level,
                           const std::string& file) {
  // A permuted view holds no values of its own: an empty (null) dataspace;
  // its values are its base's, read through `dims`.
  const bool view = !t.view_of.empty();
  std::vector<hsize_t> dims(t.sizes.begin(), t.sizes.end());
  H5Id space =
      h5_own(view           ? H5Screate(H5S_NULL)
             : dims.empty() ? H5Screate(H5S_SCALAR)
                            : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
             H5Sclose, file, "tensor dataspace");
  H5Id dcpl = h5_own(H5Pcreate(H5P_DATASET_CREATE), H5Pclose, file, "dataset properties");
  H5Pset_obj_track_times(dcpl, false);  // no creation times: same input, same bytes
  if (layout.chunked && !view) {
    const unsigned zstd_level = static_cast<unsigned>(level);
    h5_check(H5Pset_chunk(dcpl, static_cast<int>(dims.size()), layout.chunk_dims.data()), file,
             "chunk layout");
    h5_check(H5Pset_shuffle(dcpl), file, "shuffle filter");
    h5_check(H5Pset_filter(dcpl, kZstdFilterId, H5Z_FLAG_MANDATORY, 1, &zstd_level), file,
             "zstd filter");
    H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER);
  }
  H5Id type = h5_dtype_type(t.dtype);
  H5Id dataset =
      h5_own(H5Dcreate2(group, t.hash.c_str(), type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT),
             H5Dclose, file, "cannot create tensor " + t.hash);
  h5_write_string_attr(dataset, "dtype", std::string(dtype_name(t.dtype)), file);
  if (view) {
    h5_write_string_attr(dataset, "view_of", t.view_of, file);
    h5_write_int_list_attr(dataset, "dims", t.dims, file);
  }
  return dataset;
}

}  // namespace

TraceFileWriter::TraceFileWriter(const std::string& path, const TraceMeta& meta, int level,
                                 size_t chunk_bytes)
    : path_(path),
      partial_(path + ".partial"),
      level_(std::clamp(level, 1, 22)),
      chunk_bytes_(std::clamp<size_t>(chunk_bytes, 4096, kMaxChunkBytes)) {
  h5_prepare();
  H5Id fapl = h5_own(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, path_, "file properties");
  // The 1.10 format checksums object headers and chunk indexes, so damage
  // to the file's structure is reported instead of misread.
  H5Pset_libver_bounds(fapl, H5F_LIBVER_V110, H5F_LIBVER_V110);
  // Objects carry no creation or modification times, so the same calls and
  // tensors give a byte-identical file (committed fixtures diff cleanly).
  H5Id fcpl = h5_own(H5Pcreate(H5P_FILE_CREATE), H5Pclose, path_, "file creation properties");
  H5Pset_obj_track_times(fcpl, false);
  file_ = h5_own(H5Fcreate(partial_.c_str(), H5F_ACC_TRUNC, fcpl, fapl), H5Fclose, partial_,
                 "cannot create the trace file");
  h5_write_int_attr(file_, "format_version", meta.format_version, partial_);
  for (const auto& [name, member] : kMetaStringFields) {
    h5_write_string_attr(file_, std::string(name).c_str(), meta.*member, partial_);
  }
  for (const auto& [key, value] : meta.extra) {
    h5_write_string_attr(file_, ("meta_" + key).c_str(), value, partial_);
  }
  H5Id gcpl = h5_own(H5Pcreate(H5P_GROUP_CREATE), H5Pclose, path_, "group properties");
  H5Pset_obj_track_times(gcpl, false);
  tensors_ = h5_own(H5Gcreate2(file_, "tensors", H5P_DEFAULT, gcpl, H5P_DEFAULT), H5Gclose,
                    partial_, "cannot create /tensors");
}

TraceFileWriter::~TraceFileWriter() {
  if (!committed_) {
    tensors_.reset();
    file_.reset();
    std::remove(partial_.c_str());
  }
}

void TraceFileWriter::write_tensors(const std::vector<TensorSource>& tensors) {
  std::vector<ChunkLayout> layouts;
  std::vector<std::pair<size_t, size_t>> jobs;  // (tensor, chunk)
  layouts.reserve(tensors.size());
  for (size_t t = 0; t < tensors.size(); ++t) {
    layouts.emplace_back(tensors[t].sizes, dtype_size(tensors[t].dtype), chunk_bytes_);
    if (!tensors[t].view_of.empty()) {  // no chunks to write
      create_tensor_dataset(tensors_, tensors[t], layouts.back(), level_, partial_);
      continue;
    }
    for (size_t c = 0; c < std::max<size_t>(1, layouts.back().count); ++c) jobs.emplace_back(t, c);
  }
  const size_t threads = std::max(1u, std::thread::hardware_concurrency());
  H5Id dataset;
  auto produce = [&](size_t j) {
    const auto [t, c] = jobs[j];
    const ChunkLayout& layout = layouts[t];
    if (!layout.chunked) return std::vector<std::byte>{};
    const ChunkLayout::Piece piece = layout.piece(c);
    const std::byte* src = tensors[t].data + piece.byte_offset;
    const size_t elem = dtype_size(tensors[t].dtype);
    if (piece.valid_bytes == layout.chunk_bytes) {
      return encode_chunk(src, layout.chunk_bytes, elem, level_);
    }
    std::vector<std::byte> padded(layout.chunk_bytes,
                                  std::byte{0});  // HDF5 stores edge chunks whole
    std::memcpy(padded.data(), src, piece.valid_bytes);
    return encode_chunk(padded.data(), padded.size(), elem, level_);
  };
  auto consume = [&](size_t j, std::vector<std::byte>& encoded) {
    const auto [t, c] = jobs[j];
    const TensorSource& tensor = tensors[t];
    const ChunkLayout& layout = layouts[t];
    if (c == 0) dataset = create_tensor_dataset(tensors_, tensor, layout, level_, partial_);
    if (layout.chunked) {
      const ChunkLayout::Piece piece = layout.piece(c);
      h5_check(H5Dwrite_chunk(dataset, H5P_DEFAULT, 0, piece.offset.data(), encoded.size(),
                              encoded.data()),
               partial_, "cannot write tensor " + tensor.hash);
    } else if (tensor.sizes.empty()) {  // 0-d: one element
      H5Id type = h5_dtype_type(tensor.dtype);
      h5_check(H5Dwrite(dataset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, tensor.data), partial_,
               "cannot write tensor " + tensor.hash);
    }
    if (c + 1 >= std::max<size_t>(1, layout.count)) dataset.reset();
  };
  // Small tensors are grouped into jobs of about a chunk's bytes.
  std::vector<size_t> bounds{0};
  size_t group_bytes = 0;
  for (size_t j = 0; j < jobs.size(); ++j) {
    const ChunkLayout& layout = layouts[jobs[j].first];
    group_bytes += layout.chunked ? layout.chunk_bytes : 0;
    if (group_bytes >= chunk_bytes_) {
      bounds.push_back(j + 1);
      group_bytes = 0;
    }
  }
  if (bounds.back() != jobs.size()) bounds.push_back(jobs.size());
  run_ordered_grouped<std::vector<std::byte>>(bounds, threads, 2 * threads + 2, produce, consume);
}

void TraceFileWriter::copy_tensor(hid_t source_file, const std::string& hash) {
  h5_check(H5Ocopy(source_file, ("tensors/" + hash).c_str(), tensors_, hash.c_str(), H5P_DEFAULT,
                   H5P_DEFAULT),
           partial_, "cannot copy tensor " + hash);
}

void TraceFileWriter::write_calls(size_t count, const std::function<CallRow(size_t)>& row) {
  H5Id table = create_call_table(file_, count, partial_);
  std::vector<CallRow> batch;
  for (size_t start = 0; start < count; start += kCallBatch) {
    batch.clear();
    for (size_t i = start; i < std::min(count, start + kCallBatch); ++i) batch.push_back(row(i));
    write_call_rows(table, start, batch, partial_);
  }
}

void TraceFileWriter::commit() {
  tensors_.reset();
  if (H5Fclose(file_.release()) < 0) h5_fail(partial_, "cannot close the trace file");
  if (std::rename(partial_.c_str(), path_.c_str()) != 0) {
    throw TraceError(path_ +
                     ": cannot move the finished trace into place: " + std::strerror(errno));
  }
  committed_ = true;
}

}  // namespace tapml::store
