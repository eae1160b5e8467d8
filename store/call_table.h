// The /calls dataset: a 1-d compound table, one row per call in execution
// order. Scalar fields are columns; the argument lists are JSON text
// (store/call_json.h), so Python reads a call with h5py and json.loads.
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <string>
#include <vector>

#include "store/h5_io.h"
#include "store/trace.h"

namespace tapml::store {

struct CallRow {
  int64_t seq = 0;
  std::string name, overload, schema;
  int64_t parent = -1;
  int32_t depth = 0;
  uint64_t thread = 0;
  std::string scope;
  int64_t start_ns = 0, end_ns = 0;
  uint32_t flags = 0;
  std::string inputs, outputs;  // JSON arrays
};

CallRow call_to_row(const Call& call);
// Throws TraceError naming `file` and the row if the JSON is malformed.
Call call_from_row(const CallRow& row, const std::string& file);

// Creates /calls with `count` rows; rows are then written in batches.
H5Id create_call_table(hid_t file_id, size_t count, const std::string& file);
void write_call_rows(hid_t table, size_t start, const std::vector<CallRow>& rows,
                     const std::string& file);

// Checks /calls' shape and columns; returns its number of rows.
size_t check_call_table(hid_t table, const std::string& file);
std::vector<CallRow> read_call_rows(hid_t table, size_t start, size_t count,
                                    const std::string& file);

}  // namespace tapml::store
