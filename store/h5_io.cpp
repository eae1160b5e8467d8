#include "store/h5_io.h"

#include <algorithm>
#include <vector>

#include "store/zstd_filter.h"

namespace tapml::store {

namespace {

constexpr size_t kMaxAttrBytes = size_t{64} << 20;

}  // namespace

void h5_prepare() {
  thread_local bool quiet = false;
  if (!quiet) {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    quiet = true;
  }
  register_zstd_filter();
}

std::string h5_last_error() {
  std::string message;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_UPWARD,
      [](unsigned n, const H5E_error2_t* err, void* out) -> herr_t {
        if (n == 0 && err->desc) *static_cast<std::string*>(out) = err->desc;
        return 0;
      },
      &message);
  H5Eclear2(H5E_DEFAULT);
  return message.empty() ? "HDF5 error" : message;
}

void h5_fail(const std::string& file, const std::string& what) {
  throw TraceError(file + ": " + what + ": " + h5_last_error());
}

H5Id h5_own(hid_t id, H5Id::Closer closer, const std::string& file, const std::string& what) {
  if (id < 0) h5_fail(file, what);
  return H5Id(id, closer);
}

H5Id h5_dtype_type(DType dtype) {
  auto copy = [](hid_t base) { return H5Id(H5Tcopy(base), H5Tclose); };
  auto complex = [](hid_t part, size_t part_size) {
    H5Id type(H5Tcreate(H5T_COMPOUND, 2 * part_size), H5Tclose);
    H5Tinsert(type, "r", 0, part);
    H5Tinsert(type, "i", part_size, part);
    return type;
  };
  switch (dtype) {
    case DType::Float32:
      return copy(H5T_IEEE_F32LE);
    case DType::Float64:
      return copy(H5T_IEEE_F64LE);
    case DType::Float16: {
      // h5py's half: sign bit 15, exponent bits 10..14 (bias 15), mantissa 0..9.
      H5Id type = copy(H5T_IEEE_F32LE);
      H5Tset_fields(type, 15, 10, 5, 0, 10);
      H5Tset_size(type, 2);
      H5Tset_ebias(type, 15);
      return type;
    }
    case DType::BFloat16:
      return copy(H5T_STD_U16LE);
    case DType::Int64:
      return copy(H5T_STD_I64LE);
    case DType::Int32:
      return copy(H5T_STD_I32LE);
    case DType::Int16:
      return copy(H5T_STD_I16LE);
    case DType::Int8:
      return copy(H5T_STD_I8LE);
    case DType::UInt8:
    case DType::Bool:
      return copy(H5T_STD_U8LE);
    case DType::Complex64:
      return complex(H5T_IEEE_F32LE, 4);
    case DType::Complex128:
      return complex(H5T_IEEE_F64LE, 8);
  }
  return copy(H5T_STD_U8LE);
}

bool h5_type_matches(hid_t type, DType dtype) {
  const H5T_class_t cls = H5Tget_class(type);
  if (H5Tget_size(type) != dtype_size(dtype)) return false;
  switch (dtype) {
    case DType::Float32:
    case DType::Float64:
    case DType::Float16:
      return cls == H5T_FLOAT;
    case DType::Complex64:
    case DType::Complex128: {
      if (cls != H5T_COMPOUND || H5Tget_nmembers(type) != 2) return false;
      for (unsigned m = 0; m < 2; ++m) {
        H5Id member(H5Tget_member_type(type, m), H5Tclose);
        if (!member.valid() || H5Tget_class(member) != H5T_FLOAT ||
            H5Tget_size(member) != dtype_size(dtype) / 2 ||
            H5Tget_member_offset(type, m) != m * dtype_size(dtype) / 2) {
          return false;
        }
      }
      return true;
    }
    default:
      return cls == H5T_INTEGER;
  }
}

H5Id h5_vlen_string_type() {
  H5Id type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type, H5T_VARIABLE);
  H5Tset_cset(type, H5T_CSET_UTF8);
  return type;
}

// Fixed-length (not variable-length) strings: their bytes live in the
// object header, which the 1.10 format checksums; variable-length ones would
// live in the unchecked global heap (see heap_guard.h).
void h5_write_string_attr(hid_t loc, const char* name, const std::string& value,
                          const std::string& file) {
  H5Id type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type, std::max<size_t>(1, value.size()));
  H5Tset_cset(type, H5T_CSET_UTF8);
  H5Tset_strpad(type, H5T_STR_NULLPAD);
  H5Id space = h5_own(H5Screate(H5S_SCALAR), H5Sclose, file, "dataspace");
  H5Id attr = h5_own(H5Acreate2(loc, name, type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose, file,
                     std::string("cannot create attribute ") + name);
  std::string padded = value;
  padded.resize(std::max<size_t>(1, value.size()), '\0');
  h5_check(H5Awrite(attr, type, padded.data()), file,
           std::string("cannot write attribute ") + name);
}

void h5_write_int_attr(hid_t loc, const char* name, int64_t value, const std::string& file) {
  H5Id space = h5_own(H5Screate(H5S_SCALAR), H5Sclose, file, "dataspace");
  H5Id attr = h5_own(H5Acreate2(loc, name, H5T_STD_I64LE, space, H5P_DEFAULT, H5P_DEFAULT),
                     H5Aclose, file, std::string("cannot create attribute ") + name);
  h5_check(H5Awrite(attr, H5T_NATIVE_INT64, &value), file,
           std::string("cannot write attribute ") + name);
}

namespace {

// Opens a scalar (or one-element) attribute, nullopt if absent.
std::optional<H5Id> open_attr(hid_t loc, const char* name, const std::string& file) {
  htri_t exists = H5Aexists(loc, name);
  if (exists < 0) h5_fail(file, std::string("cannot look up attribute ") + name);
  if (exists == 0) return std::nullopt;
  H5Id attr = h5_own(H5Aopen(loc, name, H5P_DEFAULT), H5Aclose, file,
                     std::string("cannot open attribute ") + name);
  H5Id space = h5_own(H5Aget_space(attr), H5Sclose, file, std::string("attribute ") + name);
  if (H5Sget_simple_extent_npoints(space) != 1) {
    throw TraceError(file + ": attribute " + name + " is not a single value");
  }
  return attr;
}

}  // namespace

std::optional<std::string> h5_read_string_attr(hid_t loc, const char* name,
                                               const std::string& file) {
  auto attr = open_attr(loc, name, file);
  if (!attr) return std::nullopt;
  H5Id type = h5_own(H5Aget_type(*attr), H5Tclose, file, std::string("attribute ") + name);
  if (H5Tget_class(type) != H5T_STRING) {
    throw TraceError(file + ": attribute " + name + " is not a string");
  }
  if (H5Tis_variable_str(type) > 0) {
    throw TraceError(file + ": attribute " + name +
                     " is a variable-length string; TapML traces use fixed-length ones "
                     "(h5py: attrs[name] = numpy.bytes_(text))");
  }
  size_t size = H5Tget_size(type);
  if (size == 0 || size > kMaxAttrBytes) {
    throw TraceError(file + ": attribute " + name + " has an absurd size");
  }
  std::vector<char> buffer(size + 1, '\0');
  h5_check(H5Aread(*attr, type, buffer.data()), file, std::string("cannot read attribute ") + name);
  return std::string(buffer.data());
}

std::optional<int64_t> h5_read_int_attr(hid_t loc, const char* name, const std::string& file) {
  auto attr = open_attr(loc, name, file);
  if (!attr) return std::nullopt;
  H5Id type = h5_own(H5Aget_type(*attr), H5Tclose, file, std::string("attribute ") + name);
  if (H5Tget_class(type) != H5T_INTEGER) {
    throw TraceError(file + ": attribute " + name + " is not an integer");
  }
  int64_t value = 0;
  h5_check(H5Aread(*attr, H5T_NATIVE_INT64, &value), file,
           std::string("cannot read attribute ") + name);
  return value;
}

void h5_write_int_list_attr(hid_t loc, const char* name, const std::vector<int64_t>& values,
                            const std::string& file) {
  const hsize_t count = values.size();
  H5Id space = h5_own(H5Screate_simple(1, &count, nullptr), H5Sclose, file, "dataspace");
  H5Id attr = h5_own(H5Acreate2(loc, name, H5T_STD_I64LE, space, H5P_DEFAULT, H5P_DEFAULT),
                     H5Aclose, file, std::string("cannot create attribute ") + name);
  h5_check(H5Awrite(attr, H5T_NATIVE_INT64, values.data()), file,
           std::string("cannot write attribute ") + name);
}

std::optional<std::vector<int64_t>> h5_read_int_list_attr(hid_t loc, const char* name,
                                                          const std::string& file) {
  htri_t exists = H5Aexists(loc, name);
  if (exists < 0) h5_fail(file, std::string("cannot look up attribute ") + name);
  if (exists == 0) return std::nullopt;
  H5Id attr = h5_own(H5Aopen(loc, name, H5P_DEFAULT), H5Aclose, file,
                     std::string("cannot open attribute ") + name);
  H5Id type = h5_own(H5Aget_type(attr), H5Tclose, file, std::string("attribute ") + name);
  H5Id space = h5_own(H5Aget_space(attr), H5Sclose, file, std::string("attribute ") + name);
  const hssize_t count = H5Sget_simple_extent_npoints(space);
  if (H5Tget_class(type) != H5T_INTEGER || H5Sget_simple_extent_ndims(space) != 1 || count < 0 ||
      static_cast<size_t>(count) > kMaxListAttr) {
    throw TraceError(file + ": attribute " + name + " is not a short list of integers");
  }
  std::vector<int64_t> values(static_cast<size_t>(count));
  if (!values.empty()) {
    h5_check(H5Aread(attr, H5T_NATIVE_INT64, values.data()), file,
             std::string("cannot read attribute ") + name);
  }
  return values;
}

}  // namespace tapml::store
