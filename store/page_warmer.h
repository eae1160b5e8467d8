// Faults in freshly mapped pages of the spool on a thread of its own, ahead
// of the recorded program's thread: the first write to each page of a new
// file mapping costs a page fault (and, on a filesystem, turning preallocated
// blocks into written ones), about 3 µs per 4 KiB, which the program's
// thread would otherwise pay while copying tensor values.
// MADV_POPULATE_WRITE (Linux 5.14) prefaults without changing any byte, so
// warming a page the program is writing at the same moment is harmless;
// where the kernel lacks it, warming is switched off and nothing changes.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>

namespace tapml::store {

class PageWarmer {
 public:
  PageWarmer();
  ~PageWarmer();  // stops and joins (in a forked child, leaves it alone)
  PageWarmer(const PageWarmer&) = delete;
  PageWarmer& operator=(const PageWarmer&) = delete;

  // Queues [begin, begin + length) of a mapping to be faulted in. The range
  // must stay mapped until stop() returns.
  void warm(std::byte* begin, uint64_t length);
  // Drops what is queued and waits for the range in progress.
  void stop();

 private:
  void run();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::pair<std::byte*, uint64_t>> queue_;
  bool stopping_ = false;
  int owner_pid_ = 0;
  std::unique_ptr<std::thread> thread_;
};

}  // namespace tapml::store
