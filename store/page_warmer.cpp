#include "store/page_warmer.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>

namespace tapml::store {

namespace {

// Warmed a piece at a time, so stop() never waits long.
constexpr uint64_t kPiece = uint64_t{4} << 20;

}  // namespace

PageWarmer::PageWarmer() : owner_pid_(static_cast<int>(::getpid())) {
#ifdef MADV_POPULATE_WRITE
  thread_ = std::make_unique<std::thread>([this] { run(); });
#endif
}

PageWarmer::~PageWarmer() {
  if (static_cast<int>(::getpid()) != owner_pid_) {
    // A forked child has no such thread; its std::thread must not be joined.
    static_cast<void>(thread_.release());
    return;
  }
  stop();
}

void PageWarmer::warm(std::byte* begin, uint64_t length) {
  if (!thread_) return;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    queue_.emplace_back(begin, length);
  }
  wake_.notify_one();
}

void PageWarmer::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    queue_.clear();
  }
  wake_.notify_one();
  if (thread_ && thread_->joinable() && static_cast<int>(::getpid()) == owner_pid_) {
    thread_->join();
  }
}

void PageWarmer::run() {
#ifdef MADV_POPULATE_WRITE
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    auto& [begin, length] = queue_.front();
    const uint64_t piece = std::min(length, kPiece);
    std::byte* at = begin;
    begin += piece;
    length -= piece;
    if (length == 0) queue_.pop_front();
    lock.unlock();
    const bool works = ::madvise(at, piece, MADV_POPULATE_WRITE) == 0;
    lock.lock();
    if (!works) return;  // an old kernel, or memory short: the writer faults as before
  }
#endif
}

}  // namespace tapml::store
