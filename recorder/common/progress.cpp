#include "recorder/common/progress.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <new>
#include <stdexcept>

namespace tapml::recorder {

std::unique_ptr<ProgressFile> ProgressFile::create(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    if (errno == EEXIST) return nullptr;
    throw std::runtime_error(path + ": cannot create: " + std::strerror(errno));
  }
  if (::ftruncate(fd, sizeof(ProgressBlock)) != 0) {
    int err = errno;
    ::close(fd);
    throw std::runtime_error(path + ": cannot size: " + std::strerror(err));
  }
  void* map = ::mmap(nullptr, sizeof(ProgressBlock), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  ::close(fd);
  if (map == MAP_FAILED) throw std::runtime_error(path + ": cannot map: " + std::strerror(errno));
  auto* block = new (map) ProgressBlock{};
  block->pid = static_cast<int32_t>(::getpid());
  block->magic = ProgressBlock::kMagic;
  return std::unique_ptr<ProgressFile>(new ProgressFile(block));
}

std::unique_ptr<ProgressFile> ProgressFile::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return nullptr;
  struct stat st{};
  if (::fstat(fd, &st) != 0 || st.st_size < static_cast<off_t>(sizeof(ProgressBlock))) {
    ::close(fd);
    return nullptr;
  }
  void* map = ::mmap(nullptr, sizeof(ProgressBlock), PROT_READ, MAP_SHARED, fd, 0);
  ::close(fd);
  if (map == MAP_FAILED) return nullptr;
  auto* block = static_cast<ProgressBlock*>(map);
  if (block->magic != ProgressBlock::kMagic) {
    ::munmap(map, sizeof(ProgressBlock));
    return nullptr;
  }
  return std::unique_ptr<ProgressFile>(new ProgressFile(block));
}

ProgressFile::~ProgressFile() { ::munmap(block_, sizeof(ProgressBlock)); }

void ProgressFile::set_error(const std::string& message) {
  size_t n = std::min(message.size(), sizeof(block_->error) - 1);
  std::memcpy(block_->error, message.data(), n);
  block_->error[n] = '\0';
}

}  // namespace tapml::recorder
