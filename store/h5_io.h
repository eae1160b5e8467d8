// Thin C++ over the HDF5 C API: owning handles, errors as TraceError (with
// HDF5's automatic error printing off), the HDF5 types of TapML's dtypes,
// and string/int attributes.
#pragma once

#include <hdf5.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "store/trace.h"

namespace tapml::store {

// Owns an HDF5 identifier; closes it with the matching H5?close.
class H5Id {
 public:
  using Closer = herr_t (*)(hid_t);
  H5Id() = default;
  H5Id(hid_t id, Closer closer) : id_(id), closer_(closer) {}
  H5Id(H5Id&& other) noexcept : id_(std::exchange(other.id_, -1)), closer_(other.closer_) {}
  H5Id& operator=(H5Id&& other) noexcept {
    if (this != &other) {
      reset();
      id_ = std::exchange(other.id_, -1);
      closer_ = other.closer_;
    }
    return *this;
  }
  H5Id(const H5Id&) = delete;
  H5Id& operator=(const H5Id&) = delete;
  ~H5Id() { reset(); }

  void reset() {
    if (id_ >= 0 && closer_) closer_(id_);
    id_ = -1;
  }
  hid_t release() { return std::exchange(id_, -1); }
  hid_t get() const { return id_; }
  operator hid_t() const { return id_; }  // NOLINT: handles pass straight to the C API
  bool valid() const { return id_ >= 0; }

 private:
  hid_t id_ = -1;
  Closer closer_ = nullptr;
};

// Turns HDF5's automatic error printing off for the calling thread (HDF5
// keeps that setting per thread) and registers the zstd filter. Every entry
// point of the store calls it.
void h5_prepare();

// The innermost message on HDF5's error stack, e.g. "truncated file".
std::string h5_last_error();

// Throws TraceError "<file>: <what>: <HDF5's message>" when `status` < 0.
[[noreturn]] void h5_fail(const std::string& file, const std::string& what);
inline hid_t h5_check(hid_t status, const std::string& file, const std::string& what) {
  if (status < 0) h5_fail(file, what);
  return status;
}

H5Id h5_own(hid_t id, H5Id::Closer closer, const std::string& file, const std::string& what);

// The HDF5 type a dtype is stored as (docs/trace-format.md): float16 as an
// IEEE half like h5py's, bfloat16 as uint16, bool as uint8, complex as the
// compound {r, i} like h5py's. Used for the file and for memory alike.
H5Id h5_dtype_type(DType dtype);
// Whether a dataset's stored type can hold `dtype` (class and size agree).
bool h5_type_matches(hid_t type, DType dtype);

void h5_write_string_attr(hid_t loc, const char* name, const std::string& value,
                          const std::string& file);
void h5_write_int_attr(hid_t loc, const char* name, int64_t value, const std::string& file);
// nullopt if the attribute is absent; TraceError if it is not a string/int.
std::optional<std::string> h5_read_string_attr(hid_t loc, const char* name,
                                               const std::string& file);
std::optional<int64_t> h5_read_int_attr(hid_t loc, const char* name, const std::string& file);
// A 1-D int64 attribute (at most kMaxListAttr values); nullopt if absent.
void h5_write_int_list_attr(hid_t loc, const char* name, const std::vector<int64_t>& values,
                            const std::string& file);
std::optional<std::vector<int64_t>> h5_read_int_list_attr(hid_t loc, const char* name,
                                                          const std::string& file);
inline constexpr size_t kMaxListAttr = 64;

// A variable-length UTF-8 string type.
H5Id h5_vlen_string_type();

}  // namespace tapml::store
