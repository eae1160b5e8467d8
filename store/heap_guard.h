// HDF5 1.10 keeps variable-length strings in "global heap" collections that
// carry no checksum, and trusts the sizes written there: a damaged file
// makes H5Dread copy out of bounds or loop forever. Before HDF5 reads rows
// of /calls, this guard reads the heap objects those rows reference itself
// (from the file format: collection "GCOL" v1, 16-byte object headers) and
// refuses any that is not whole and of the length the row says.
// (TapML's attributes are fixed-length strings, kept inside checksummed
// object headers, so they need no such guard.)
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace tapml::store {

class GlobalHeapGuard {
 public:
  // `table` is /calls of `file`. Throws TraceError if its layout is not the
  // one TapML writes (contiguous rows, 8-byte addresses and lengths).
  GlobalHeapGuard(const std::string& path, hid_t file, hid_t table, uint64_t rows);
  ~GlobalHeapGuard();
  GlobalHeapGuard(const GlobalHeapGuard&) = delete;
  GlobalHeapGuard& operator=(const GlobalHeapGuard&) = delete;

  // Throws TraceError naming the file if rows [start, start+count) reference
  // a damaged heap object.
  void check_rows(uint64_t start, uint64_t count) const;

 private:
  using Collection = std::unordered_map<uint32_t, uint64_t>;  // object index -> size
  const Collection& collection(uint64_t address) const;      // mutex_ held
  void read_at(uint64_t offset, void* out, uint64_t size) const;

  std::string path_;
  int fd_ = -1;
  uint64_t file_size_ = 0;
  uint64_t data_address_ = 0;
  uint64_t row_size_ = 0;
  std::vector<uint64_t> string_offsets_;  // of the vlen string members in a row
  mutable std::mutex mutex_;
  mutable std::unordered_map<uint64_t, Collection> collections_;
};

}  // namespace tapml::store
