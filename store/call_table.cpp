#include "store/call_table.h"

#include <cstddef>

#include "store/call_json.h"

namespace tapml::store {

namespace {

// One row in memory, as HDF5 converts it to and from the file's compound.
struct RowC {
  int64_t seq;
  const char* name;
  const char* overload;
  const char* schema;
  int64_t parent;
  int32_t depth;
  uint64_t thread;
  const char* scope;
  int64_t start_ns;
  int64_t end_ns;
  uint32_t flags;
  const char* inputs;
  const char* outputs;
};

enum class Column { Int64, Int32, UInt64, UInt32, String };
struct ColumnDef {
  const char* name;
  size_t offset;
  Column kind;
};

constexpr ColumnDef kColumns[] = {
    {"seq", offsetof(RowC, seq), Column::Int64},
    {"name", offsetof(RowC, name), Column::String},
    {"overload", offsetof(RowC, overload), Column::String},
    {"schema", offsetof(RowC, schema), Column::String},
    {"parent", offsetof(RowC, parent), Column::Int64},
    {"depth", offsetof(RowC, depth), Column::Int32},
    {"thread", offsetof(RowC, thread), Column::UInt64},
    {"scope", offsetof(RowC, scope), Column::String},
    {"start_ns", offsetof(RowC, start_ns), Column::Int64},
    {"end_ns", offsetof(RowC, end_ns), Column::Int64},
    {"flags", offsetof(RowC, flags), Column::UInt32},
    {"inputs", offsetof(RowC, inputs), Column::String},
    {"outputs", offsetof(RowC, outputs), Column::String},
};

hid_t column_type(Column kind, hid_t string_type) {
  switch (kind) {
    case Column::Int64:
      return H5T_STD_I64LE;
    case Column::Int32:
      return H5T_STD_I32LE;
    case Column::UInt64:
      return H5T_STD_U64LE;
    case Column::UInt32:
      return H5T_STD_U32LE;
    case Column::String:
      return string_type;
  }
  return string_type;
}

// The memory type; packed, it is also the file type.
H5Id row_type(bool packed) {
  H5Id strings = h5_vlen_string_type();
  H5Id type(H5Tcreate(H5T_COMPOUND, sizeof(RowC)), H5Tclose);
  for (const ColumnDef& c : kColumns)
    H5Tinsert(type, c.name, c.offset, column_type(c.kind, strings));
  if (packed) H5Tpack(type);
  return type;
}

std::string text(const char* s) { return s ? s : ""; }

}  // namespace

CallRow call_to_row(const Call& c) {
  return {c.seq,
          c.name,
          c.overload,
          c.schema,
          c.parent,
          c.depth,
          c.thread,
          c.scope,
          c.start_ns,
          c.end_ns,
          c.flags,
          args_to_json(c.inputs).dump(),
          args_to_json(c.outputs).dump()};
}

Call call_from_row(const CallRow& r, const std::string& file) {
  Call c;
  c.seq = r.seq;
  c.name = r.name;
  c.overload = r.overload;
  c.schema = r.schema;
  c.parent = r.parent;
  c.depth = r.depth;
  c.thread = r.thread;
  c.scope = r.scope;
  c.start_ns = r.start_ns;
  c.end_ns = r.end_ns;
  c.flags = r.flags;
  const char* column = "inputs";
  try {
    c.inputs = args_from_json(nlohmann::json::parse(r.inputs));
    column = "outputs";
    c.outputs = args_from_json(nlohmann::json::parse(r.outputs));
  } catch (const nlohmann::json::exception& e) {
    throw TraceError(file + ": call " + std::to_string(r.seq) + ": " + column +
                     " is not valid JSON (" + e.what() + ")");
  } catch (const TraceError& e) {
    throw TraceError(file + ": call " + std::to_string(r.seq) + ": " + column + ": " + e.what());
  }
  return c;
}

H5Id create_call_table(hid_t file_id, size_t count, const std::string& file) {
  H5Id file_type = row_type(true);
  const hsize_t dims[1] = {count};
  H5Id space = h5_own(H5Screate_simple(1, dims, nullptr), H5Sclose, file, "dataspace");
  H5Id dcpl = h5_own(H5Pcreate(H5P_DATASET_CREATE), H5Pclose, file, "dataset properties");
  H5Pset_obj_track_times(dcpl, false);  // no creation times: same calls, same bytes
  return h5_own(H5Dcreate2(file_id, "calls", file_type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT),
                H5Dclose, file, "cannot create /calls");
}

void write_call_rows(hid_t table, size_t start, const std::vector<CallRow>& rows,
                     const std::string& file) {
  if (rows.empty()) return;
  std::vector<RowC> c(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    const CallRow& r = rows[i];
    c[i] = {r.seq,   r.name.c_str(),   r.overload.c_str(), r.schema.c_str(), r.parent,
            r.depth, r.thread,         r.scope.c_str(),    r.start_ns,       r.end_ns,
            r.flags, r.inputs.c_str(), r.outputs.c_str()};
  }
  H5Id mem_type = row_type(false);
  const hsize_t offset[1] = {start}, count[1] = {rows.size()};
  H5Id file_space = h5_own(H5Dget_space(table), H5Sclose, file, "/calls dataspace");
  h5_check(H5Sselect_hyperslab(file_space, H5S_SELECT_SET, offset, nullptr, count, nullptr), file,
           "/calls selection");
  H5Id mem_space = h5_own(H5Screate_simple(1, count, nullptr), H5Sclose, file, "dataspace");
  h5_check(H5Dwrite(table, mem_type, mem_space, file_space, H5P_DEFAULT, c.data()), file,
           "cannot write /calls");
}

size_t check_call_table(hid_t table, const std::string& file) {
  H5Id type = h5_own(H5Dget_type(table), H5Tclose, file, "/calls type");
  if (H5Tget_class(type) != H5T_COMPOUND) throw TraceError(file + ": /calls is not a table");
  for (const ColumnDef& c : kColumns) {
    int index = H5Tget_member_index(type, c.name);
    if (index < 0) {
      H5Eclear2(H5E_DEFAULT);
      throw TraceError(file + ": /calls has no column '" + c.name + "'");
    }
    H5T_class_t cls = H5Tget_member_class(type, static_cast<unsigned>(index));
    H5T_class_t want = c.kind == Column::String ? H5T_STRING : H5T_INTEGER;
    if (cls != want) {
      throw TraceError(file + ": /calls column '" + c.name + "' has the wrong type");
    }
  }
  H5Id space = h5_own(H5Dget_space(table), H5Sclose, file, "/calls dataspace");
  if (H5Sget_simple_extent_ndims(space) != 1) throw TraceError(file + ": /calls is not 1-d");
  hsize_t dims[1] = {0};
  H5Sget_simple_extent_dims(space, dims, nullptr);
  return dims[0];
}

std::vector<CallRow> read_call_rows(hid_t table, size_t start, size_t count,
                                    const std::string& file) {
  std::vector<CallRow> rows;
  if (count == 0) return rows;
  H5Id mem_type = row_type(false);
  const hsize_t offset[1] = {start}, n[1] = {count};
  H5Id file_space = h5_own(H5Dget_space(table), H5Sclose, file, "/calls dataspace");
  h5_check(H5Sselect_hyperslab(file_space, H5S_SELECT_SET, offset, nullptr, n, nullptr), file,
           "/calls selection");
  H5Id mem_space = h5_own(H5Screate_simple(1, n, nullptr), H5Sclose, file, "dataspace");
  std::vector<RowC> c(count, RowC{});
  herr_t status = H5Dread(table, mem_type, mem_space, file_space, H5P_DEFAULT, c.data());
  if (status < 0) {
    const std::string why = h5_last_error();  // before the next call clears it
    // HDF5 may have filled some strings before failing.
    H5Dvlen_reclaim(mem_type, mem_space, H5P_DEFAULT, c.data());
    throw TraceError(file + ": cannot read /calls rows " + std::to_string(start) + ".." +
                     std::to_string(start + count - 1) + ": " + why);
  }
  rows.reserve(count);
  for (const RowC& r : c) {
    rows.push_back({r.seq, text(r.name), text(r.overload), text(r.schema), r.parent, r.depth,
                    r.thread, text(r.scope), r.start_ns, r.end_ns, r.flags, text(r.inputs),
                    text(r.outputs)});
  }
  H5Dvlen_reclaim(mem_type, mem_space, H5P_DEFAULT, c.data());
  return rows;
}

}  // namespace tapml::store
