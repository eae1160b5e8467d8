#include "store/heap_guard.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include "store/h5_io.h"

namespace tapml::store {

namespace {

constexpr uint64_t kHeaderBytes = 16;     // "GCOL", version, 3 reserved, u64 collection size
constexpr uint64_t kObjectHeaderBytes = 16;  // u16 index, u16 refs, 4 reserved, u64 size
constexpr uint64_t kVlenBytes = 16;       // u32 length, u64 collection address, u32 index
constexpr uint64_t kMaxCollectionBytes = uint64_t{1} << 30;

template <typename T>
T load(const unsigned char* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

}  // namespace

GlobalHeapGuard::GlobalHeapGuard(const std::string& path, hid_t file, hid_t table, uint64_t rows)
    : path_(path) {
  H5Id fcpl = h5_own(H5Fget_create_plist(file), H5Pclose, path, "file properties");
  size_t sizeof_addr = 0, sizeof_size = 0;
  h5_check(H5Pget_sizes(fcpl, &sizeof_addr, &sizeof_size), path, "file properties");
  if (sizeof_addr != 8 || sizeof_size != 8) {
    throw TraceError(path + ": uses " + std::to_string(sizeof_addr) +
                     "-byte file addresses; TapML traces use 8");
  }
  // H5Dget_type hands back the type as laid out in memory (a string is a
  // pointer there); on disk each variable-length string is a 16-byte heap
  // reference. The table is written packed, so disk offsets are the running
  // sum of the disk sizes, checked below against the dataset's storage size.
  H5Id type = h5_own(H5Dget_type(table), H5Tclose, path, "/calls type");
  const int members = H5Tget_nmembers(type);
  uint64_t offset = 0;
  for (int m = 0; m < members; ++m) {
    H5Id member = h5_own(H5Tget_member_type(type, static_cast<unsigned>(m)), H5Tclose, path,
                         "/calls column type");
    const H5T_class_t cls = H5Tget_class(member);
    if (cls == H5T_VLEN || (cls == H5T_STRING && H5Tis_variable_str(member) > 0)) {
      string_offsets_.push_back(offset);
      offset += kVlenBytes;
    } else {
      offset += H5Tget_size(member);
    }
  }
  row_size_ = offset;
  if (rows != 0 && H5Dget_storage_size(table) != rows * row_size_) {
    throw TraceError(path + ": /calls has odd columns (not a TapML call table?)");
  }
  if (rows == 0 || string_offsets_.empty()) return;
  data_address_ = H5Dget_offset(table);
  if (data_address_ == HADDR_UNDEF) {
    H5Eclear2(H5E_DEFAULT);
    throw TraceError(path + ": /calls is not stored as one contiguous table (damaged file?)");
  }
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st {};
  if (fd_ < 0 || ::fstat(fd_, &st) != 0) throw TraceError(path + ": cannot read the file");
  file_size_ = static_cast<uint64_t>(st.st_size);
  if (data_address_ > file_size_ || rows > (file_size_ - data_address_) / row_size_) {
    throw TraceError(path + ": /calls extends past the end of the file (truncated?)");
  }
}

GlobalHeapGuard::~GlobalHeapGuard() {
  if (fd_ >= 0) ::close(fd_);
}

void GlobalHeapGuard::read_at(uint64_t offset, void* out, uint64_t size) const {
  if (offset > file_size_ || size > file_size_ - offset ||
      ::pread(fd_, out, size, static_cast<off_t>(offset)) != static_cast<ssize_t>(size)) {
    throw TraceError(path_ + ": a /calls string lies outside the file (damaged file)");
  }
}

const GlobalHeapGuard::Collection& GlobalHeapGuard::collection(uint64_t address) const {
  auto found = collections_.find(address);
  if (found != collections_.end()) return found->second;
  const std::string damaged = path_ + ": the heap of /calls strings at byte " +
                              std::to_string(address) + " is damaged";
  unsigned char header[kHeaderBytes];
  read_at(address, header, kHeaderBytes);
  const uint64_t size = load<uint64_t>(header + 8);
  if (std::memcmp(header, "GCOL", 4) != 0 || header[4] != 1 || size < kHeaderBytes ||
      size > kMaxCollectionBytes) {
    throw TraceError(damaged);
  }
  std::vector<unsigned char> bytes(size);
  read_at(address, bytes.data(), size);
  // Walk the objects exactly as HDF5 will (H5HG__cache_heap_deserialize).
  Collection objects;
  uint64_t pos = kHeaderBytes;
  while (pos < size) {
    if (size - pos < kObjectHeaderBytes) break;  // a tail too small for a header: free space
    const uint16_t index = load<uint16_t>(&bytes[pos]);
    const uint64_t object_size = load<uint64_t>(&bytes[pos + 8]);
    const uint64_t room = size - pos;
    // Index 0 is the free space; its size counts its own header.
    uint64_t need = object_size;
    if (index != 0) {
      if (object_size > room) throw TraceError(damaged);
      need = kObjectHeaderBytes + ((object_size + 7) & ~uint64_t{7});
      objects[index] = object_size;
    }
    if (need < kObjectHeaderBytes || need > room) throw TraceError(damaged);
    pos += need;
  }
  return collections_.emplace(address, std::move(objects)).first->second;
}

void GlobalHeapGuard::check_rows(uint64_t start, uint64_t count) const {
  if (string_offsets_.empty() || count == 0) return;
  std::vector<unsigned char> rows(count * row_size_);
  read_at(data_address_ + start * row_size_, rows.data(), rows.size());
  std::lock_guard lock(mutex_);
  for (uint64_t r = 0; r < count; ++r) {
    for (uint64_t offset : string_offsets_) {
      const unsigned char* vlen = &rows[r * row_size_ + offset];
      const uint32_t length = load<uint32_t>(vlen);
      const uint64_t address = load<uint64_t>(vlen + 4);
      const uint32_t index = load<uint32_t>(vlen + 12);
      if (address == 0 && length == 0) continue;  // a null string: HDF5 reads nothing
      const Collection& objects = collection(address);
      auto object = objects.find(index);
      if (index == 0 || object == objects.end() || object->second != length) {
        throw TraceError(path_ + ": call row " + std::to_string(start + r) +
                         " references a damaged string (heap object " + std::to_string(index) +
                         " at byte " + std::to_string(address) + ")");
      }
    }
  }
}

}  // namespace tapml::store
