#include <sys/stat.h>

#include <cstring>
#include <set>

#include "store/call_json.h"
#include "store/permuted_view.h"
#include "store/reader_impl.h"
#include "store/zstd_filter.h"

namespace tapml::store {

namespace {

constexpr size_t kRowBatch = 4096;
constexpr hsize_t kMaxCalls = hsize_t{1} << 40;

bool is_hash(const std::string& s) {
  return s.size() == 32 && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

std::string shape_text(const std::vector<int64_t>& sizes) {
  std::string s = "[";
  for (size_t i = 0; i < sizes.size(); ++i) s += (i ? "," : "") + std::to_string(sizes[i]);
  return s + "]";
}

}  // namespace

std::unique_ptr<TraceReader> TraceReader::open(const std::string& path) {
  return std::make_unique<H5TraceReader>(path);
}

H5TraceReader::H5TraceReader(const std::string& path) : path_(path) {
  h5_prepare();
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw TraceError(path + ": no such file");
  if (!S_ISREG(st.st_mode)) throw TraceError(path + ": not a regular file");
  if (H5Fis_hdf5(path.c_str()) <= 0) {
    H5Eclear2(H5E_DEFAULT);
    throw TraceError(path +
                     ": not an HDF5 file (is it a trace? a spool needs `tapml-trace recover`)");
  }
  file_ = h5_own(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose, path,
                 "cannot open as HDF5");
  const auto version = h5_read_int_attr(file_, "format_version", path);
  if (!version) throw TraceError(path + ": not a TapML trace (no format_version attribute)");
  if (*version > kFormatVersion) {
    throw TraceError(path + ": made by a newer TapML (trace format " + std::to_string(*version) +
                     ", this build reads " + std::to_string(kFormatVersion) +
                     "): update TapML to read it");
  }
  if (*version < 1) {
    throw TraceError(path + ": unknown trace format version " + std::to_string(*version));
  }
  meta_.format_version = static_cast<int>(*version);
  for (const auto& [name, member] : kMetaStringFields) {
    auto value = h5_read_string_attr(file_, std::string(name).c_str(), path);
    if (!value) throw TraceError(path + ": missing root attribute '" + std::string(name) + "'");
    meta_.*member = *value;
  }
  // Extra metadata: root attributes named meta_<key>.
  std::vector<std::string> names;
  auto collect = [](hid_t, const char* name, const H5A_info_t*, void* out) -> herr_t {
    static_cast<std::vector<std::string>*>(out)->push_back(name);
    return 0;
  };
  h5_check(H5Aiterate2(file_, H5_INDEX_NAME, H5_ITER_NATIVE, nullptr, collect, &names), path,
           "cannot list root attributes");
  for (const std::string& name : names) {
    if (name.rfind("meta_", 0) == 0) {
      meta_.extra[name.substr(5)] = h5_read_string_attr(file_, name.c_str(), path).value_or("");
    }
  }
  auto require = [&](const char* name, H5O_type_t type, const char* what) {
    htri_t exists = H5Lexists(file_, name, H5P_DEFAULT);
    if (exists <= 0) {
      H5Eclear2(H5E_DEFAULT);
      throw TraceError(path + ": missing " + what + " /" + name);
    }
    H5O_info_t info{};
    h5_check(H5Oget_info_by_name2(file_, name, &info, H5O_INFO_BASIC, H5P_DEFAULT), path,
             std::string("cannot inspect /") + name);
    if (info.type != type) throw TraceError(path + ": /" + name + " is not a " + what);
  };
  require("tensors", H5O_TYPE_GROUP, "group");
  require("calls", H5O_TYPE_DATASET, "dataset");
  tensors_ =
      h5_own(H5Gopen2(file_, "tensors", H5P_DEFAULT), H5Gclose, path, "cannot open /tensors");
  calls_ = h5_own(H5Dopen2(file_, "calls", H5P_DEFAULT), H5Dclose, path, "cannot open /calls");
  const hsize_t row_count = check_call_table(calls_, path);
  if (row_count > kMaxCalls) throw TraceError(path + ": /calls claims an absurd number of rows");
  H5Id type = h5_own(H5Dget_type(calls_), H5Tclose, path, "/calls type");
  if (row_count > 0 && H5Dget_storage_size(calls_) < row_count * H5Tget_size(type)) {
    throw TraceError(path + ": /calls holds fewer bytes than its " + std::to_string(row_count) +
                     " rows need (damaged file)");
  }
  num_calls_ = row_count;
  guard_ = std::make_unique<GlobalHeapGuard>(path, file_, calls_, row_count);
}

std::vector<CallRow> H5TraceReader::rows(size_t start, size_t count) const {
  guard_->check_rows(start, count);
  return read_call_rows(calls_, start, count, path_);
}

Call H5TraceReader::call(size_t index) const {
  h5_prepare();
  if (index >= num_calls_) {
    throw TraceError(path_ + ": no call " + std::to_string(index) + " (the trace has " +
                     std::to_string(num_calls_) + ")");
  }
  CallRow row;
  {
    std::lock_guard lock(batch_mutex_);
    if (index < batch_start_ || index >= batch_start_ + batch_.size()) {
      batch_.clear();
      batch_start_ = index - index % kRowBatch;
      try {
        batch_ = rows(batch_start_, std::min(kRowBatch, num_calls_ - batch_start_));
      } catch (const TraceError&) {
        // A damaged row elsewhere in the batch must not make this one unreadable.
        batch_start_ = index;
        batch_ = rows(index, 1);
      }
    }
    row = batch_[index - batch_start_];
  }
  if (row.seq != static_cast<int64_t>(index)) {
    throw TraceError(path_ + ": call row " + std::to_string(index) + " has seq " +
                     std::to_string(row.seq));
  }
  return call_from_row(row, path_);
}

void H5TraceReader::for_each_row(const std::function<void(const CallRow&)>& visit) const {
  h5_prepare();
  for (size_t start = 0; start < num_calls_; start += kRowBatch) {
    for (const CallRow& row : rows(start, std::min(kRowBatch, num_calls_ - start))) {
      visit(row);
    }
  }
}

std::vector<std::string> H5TraceReader::tensor_names() const {
  h5_prepare();
  std::vector<std::string> names;
  auto collect = [](hid_t, const char* name, const H5L_info_t*, void* out) -> herr_t {
    static_cast<std::vector<std::string>*>(out)->push_back(name);
    return 0;
  };
  hsize_t index = 0;
  h5_check(H5Literate(tensors_, H5_INDEX_NAME, H5_ITER_NATIVE, &index, collect, &names), path_,
           "cannot list /tensors");
  return names;
}

std::vector<StoredTensor> H5TraceReader::tensors() const {
  std::vector<StoredTensor> out;
  for (const std::string& name : tensor_names()) out.push_back(tensor_info(name));
  return out;
}

H5TraceReader::OpenTensor H5TraceReader::open_tensor(const std::string& hash) const {
  h5_prepare();
  const std::string where = path_ + ": tensor " + hash;
  if (!is_hash(hash)) throw TraceError(where + ": not a tensor hash (32 hex digits)");
  htri_t exists = H5Lexists(tensors_, hash.c_str(), H5P_DEFAULT);
  if (exists <= 0) {
    H5Eclear2(H5E_DEFAULT);
    throw TraceError(where + ": not stored in the trace");
  }
  OpenTensor t;
  t.dataset = h5_own(H5Dopen2(tensors_, hash.c_str(), H5P_DEFAULT), H5Dclose, path_,
                     "cannot open tensor " + hash);
  t.info.hash = hash;
  const auto dtype_text = h5_read_string_attr(t.dataset, "dtype", path_);
  if (!dtype_text) throw TraceError(where + ": no dtype attribute");
  const auto dtype = dtype_from_name(*dtype_text);
  if (!dtype) throw TraceError(where + ": unknown dtype '" + *dtype_text + "'");
  t.info.dtype = *dtype;
  H5Id type = h5_own(H5Dget_type(t.dataset), H5Tclose, path_, "tensor type");
  if (!h5_type_matches(type, *dtype)) {
    throw TraceError(where + ": stored type does not hold " + *dtype_text);
  }
  H5Id space = h5_own(H5Dget_space(t.dataset), H5Sclose, path_, "tensor dataspace");
  if (auto base = h5_read_string_attr(t.dataset, "view_of", path_)) {
    open_view(t, *base, space);
    return t;
  }
  const int rank = H5Sget_simple_extent_ndims(space);
  if (rank < 0 || rank > H5S_MAX_RANK) throw TraceError(where + ": bad rank");
  std::vector<hsize_t> dims(static_cast<size_t>(rank));
  H5Sget_simple_extent_dims(space, dims.data(), nullptr);
  for (hsize_t d : dims) {
    if (d > static_cast<hsize_t>(kMaxElements)) throw TraceError(where + ": absurd shape");
    t.info.sizes.push_back(static_cast<int64_t>(d));
  }
  const auto numel = checked_numel(t.info.sizes);
  if (!numel) throw TraceError(where + ": absurd shape " + shape_text(t.info.sizes));
  t.info.nbytes = static_cast<size_t>(*numel) * dtype_size(*dtype);
  t.info.stored_bytes = H5Dget_storage_size(t.dataset);
  return t;
}

void H5TraceReader::open_view(OpenTensor& t, const std::string& base_hash, hid_t space) const {
  const std::string where = path_ + ": view " + t.info.hash;
  if (H5Sget_simple_extent_type(space) != H5S_NULL) {
    throw TraceError(where + ": a view must hold no values of its own");
  }
  if (!is_hash(base_hash) || base_hash == t.info.hash) {
    throw TraceError(where + ": view_of is not another tensor's hash");
  }
  auto dims = h5_read_int_list_attr(t.dataset, "dims", path_);
  if (!dims) throw TraceError(where + ": no dims attribute");
  // The base is opened without following views: a view of a view is refused.
  htri_t exists = H5Lexists(tensors_, base_hash.c_str(), H5P_DEFAULT);
  if (exists <= 0) {
    H5Eclear2(H5E_DEFAULT);
    throw TraceError(where + ": its base " + base_hash + " is not stored");
  }
  H5Id base = h5_own(H5Dopen2(tensors_, base_hash.c_str(), H5P_DEFAULT), H5Dclose, path_,
                     "cannot open tensor " + base_hash);
  if (H5Aexists(base, "view_of") > 0) throw TraceError(where + ": its base is a view too");
  H5Id base_space = h5_own(H5Dget_space(base), H5Sclose, path_, "tensor dataspace");
  const int rank = H5Sget_simple_extent_ndims(base_space);
  if (rank < 0 || static_cast<size_t>(rank) != dims->size() || !is_permutation(*dims)) {
    throw TraceError(where + ": dims are not a permutation of its base's dimensions");
  }
  std::vector<hsize_t> base_dims(static_cast<size_t>(rank));
  H5Sget_simple_extent_dims(base_space, base_dims.data(), nullptr);
  std::vector<int64_t> base_sizes(base_dims.begin(), base_dims.end());
  t.info.sizes = permuted_sizes(base_sizes, *dims);
  const auto numel = checked_numel(t.info.sizes);
  if (!numel) throw TraceError(where + ": absurd shape " + shape_text(t.info.sizes));
  t.info.nbytes = static_cast<size_t>(*numel) * dtype_size(t.info.dtype);
  t.info.stored_bytes = 0;
  t.info.view_of = base_hash;
  t.info.dims = std::move(*dims);
}

StoredTensor H5TraceReader::tensor_info(const std::string& hash) const {
  return open_tensor(hash).info;
}

std::vector<std::byte> H5TraceReader::read_tensor(const std::string& hash) const {
  OpenTensor t = open_tensor(hash);
  const std::string where = path_ + ": tensor " + hash;
  if (!t.info.view_of.empty()) {
    const StoredTensor base = tensor_info(t.info.view_of);
    if (base.dtype != t.info.dtype) throw TraceError(where + ": its dtype is not its base's");
    const std::vector<std::byte> base_bytes = read_tensor(t.info.view_of);
    std::vector<std::byte> bytes =
        permute_values(base_bytes.data(), base.sizes, t.info.dims, dtype_size(t.info.dtype));
    // Format 3 names a view by its base and dims, format 2 by its values.
    if (view_hash(t.info.view_of, t.info.dims) != hash &&
        tensor_hash(t.info.dtype, t.info.sizes, bytes.data(), bytes.size()) != hash) {
      throw TraceError(where + ": its base, dims and values do not match its hash (damaged file)");
    }
    return bytes;
  }
  const size_t elem = dtype_size(t.info.dtype);
  // Check the storage can hold what the shape claims before allocating for it.
  H5Id dcpl = h5_own(H5Dget_create_plist(t.dataset), H5Pclose, path_, "tensor properties");
  const H5D_layout_t layout = H5Pget_layout(dcpl);
  if (layout == H5D_CHUNKED) {
    const int rank = static_cast<int>(t.info.sizes.size());
    std::vector<hsize_t> chunk(static_cast<size_t>(std::max(rank, 1)));
    if (H5Pget_chunk(dcpl, rank, chunk.data()) != rank) throw TraceError(where + ": bad chunks");
    size_t chunk_bytes = elem;
    hsize_t expected = 1;
    for (int d = 0; d < rank; ++d) {
      if (chunk[d] == 0 || chunk[d] > kMaxChunkBytes) throw TraceError(where + ": bad chunks");
      chunk_bytes *= chunk[d];
      if (chunk_bytes > kMaxChunkBytes) throw TraceError(where + ": chunks too large");
      const hsize_t size = static_cast<hsize_t>(t.info.sizes[d]);
      expected *= (size + chunk[d] - 1) / chunk[d];
    }
    H5Id space = h5_own(H5Dget_space(t.dataset), H5Sclose, path_, "tensor dataspace");
    hsize_t stored = 0;
    h5_check(H5Dget_num_chunks(t.dataset, space, &stored), path_, "cannot count chunks of " + hash);
    if (stored != expected) {
      throw TraceError(where + ": " + std::to_string(stored) + " chunks stored, its shape " +
                       shape_text(t.info.sizes) + " needs " + std::to_string(expected));
    }
  } else if (t.info.stored_bytes != t.info.nbytes) {
    throw TraceError(where + ": " + std::to_string(t.info.stored_bytes) +
                     " bytes stored, its shape needs " + std::to_string(t.info.nbytes));
  }
  std::vector<std::byte> bytes(t.info.nbytes);
  if (!bytes.empty()) {
    H5Id type = h5_dtype_type(t.info.dtype);
    h5_check(H5Dread(t.dataset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data()), path_,
             "cannot read tensor " + hash);
  }
  if (tensor_hash(t.info.dtype, t.info.sizes, bytes.data(), bytes.size()) != hash) {
    throw TraceError(where + ": values do not match their hash (damaged file)");
  }
  return bytes;
}

std::map<std::string, OpStats> H5TraceReader::op_stats() const {
  std::map<std::string, OpStats> stats;
  std::map<std::string, std::set<std::string>> signatures;
  for_each_row([&](const CallRow& row) {
    const Call call = call_from_row(row, path_);
    OpStats& s = stats[call.full_name()];
    ++s.calls;
    std::string signature;
    for (const Arg& arg : call.inputs) {
      const Value& v = arg.value;
      if (v.kind == ValueKind::Tensor) {
        signature += std::string(dtype_name(v.tensor.dtype)) + shape_text(v.tensor.sizes) + ";";
      }
      for (const auto& t : v.tensors) {
        signature += t ? std::string(dtype_name(t->dtype)) + shape_text(t->sizes) + "," : "-,";
      }
    }
    signatures[call.full_name()].insert(signature);
    if (!call.captured()) return;
    ++s.captured;
    for (const auto* args : {&call.inputs, &call.outputs}) {
      for (const Arg& arg : *args) {
        if (arg.value.kind == ValueKind::Tensor && arg.value.tensor.captured()) {
          s.tensor_bytes += static_cast<int64_t>(arg.value.tensor.nbytes());
        }
        for (const auto& t : arg.value.tensors) {
          if (t && t->captured()) s.tensor_bytes += static_cast<int64_t>(t->nbytes());
        }
      }
    }
  });
  for (auto& [name, s] : stats) s.signatures = static_cast<int64_t>(signatures[name].size());
  return stats;
}

std::vector<std::string> H5TraceReader::verify() const {
  std::vector<std::string> bad;
  for (const std::string& name : tensor_names()) {
    try {
      read_tensor(name);
    } catch (const TraceError&) {
      bad.push_back(name);
    }
  }
  return bad;
}

std::vector<TraceProblem> H5TraceReader::verify_all_with(const VerifyProgress& progress) const {
  std::vector<TraceProblem> problems;
  const std::vector<std::string> names = tensor_names();
  const std::set<std::string> stored(names.begin(), names.end());
  const size_t total = names.size() + num_calls_;
  size_t done = 0;
  for (const std::string& name : names) {
    try {
      read_tensor(name);
    } catch (const TraceError& e) {
      problems.push_back({name, e.what()});
    }
    if (progress) progress(++done, total);
  }
  std::set<std::string> reported;
  for (size_t start = 0; start < num_calls_; start += kRowBatch) {
    std::vector<CallRow> batch;
    try {
      batch = rows(start, std::min(kRowBatch, num_calls_ - start));
    } catch (const TraceError& e) {
      problems.push_back({"calls " + std::to_string(start) + "+", e.what()});
      done += std::min(kRowBatch, num_calls_ - start);
      continue;
    }
    for (size_t i = 0; i < batch.size(); ++i) {
      const std::string what = "call " + std::to_string(start + i);
      try {
        if (batch[i].seq != static_cast<int64_t>(start + i)) {
          throw TraceError(path_ + ": row " + std::to_string(start + i) + " has seq " +
                           std::to_string(batch[i].seq));
        }
        const Call call = call_from_row(batch[i], path_);
        std::vector<std::string> hashes;
        collect_hashes(call.inputs, hashes);
        collect_hashes(call.outputs, hashes);
        for (const std::string& hash : hashes) {
          if (!stored.count(hash) && reported.insert(hash).second) {
            std::string problem = path_;
            problem += ": tensor " + hash + " referenced by ";
            problem += what + " is not stored";
            problems.push_back({hash, std::move(problem)});
          }
        }
      } catch (const TraceError& e) {
        problems.push_back({what, e.what()});
      }
    }
    done += batch.size();
    if (progress) progress(done, total);
  }
  return problems;
}

}  // namespace tapml::store
