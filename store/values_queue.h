// Writes large tensor values on a thread of its own, so that the recorded
// program's thread only hashes them and moves on. The caller promises that
// the memory holds the value until its ticket is written: it keeps the memory
// alive (`keep`) and waits (wait) before anything writes to it. Each value's
// TENSOR record was reserved in the spool, in order, before the value was
// queued; it is committed once the value is on disk, so a program killed
// with values still queued leaves those records pending, which finishing
// skips (and stops at the first call that needs one).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "store/spool.h"

namespace tapml::store {

class ValuesQueue {
 public:
  // `on_error` hears the first write error (on the queue's thread).
  ValuesQueue(ValuesAppender& values, std::function<void(const std::string&)> on_error);
  ~ValuesQueue();  // drains and joins (in a forked child, leaves the thread alone)
  ValuesQueue(const ValuesQueue&) = delete;
  ValuesQueue& operator=(const ValuesQueue&) = delete;

  struct Job {
    ValuesAppender::Region region;
    SpoolAppender::Slot record;  // the TENSOR record, reserved and filled but for its commit
    std::shared_ptr<const void> keep;
  };
  // Queues a value; waits while more than kMaxQueuedBytes are queued. Returns
  // its ticket (tickets count up from 1).
  uint64_t push(Job job);
  bool written(uint64_t ticket) const { return written_.load(std::memory_order_acquire) >= ticket; }
  void wait(uint64_t ticket);
  void drain();

  // For a fatal signal's handler (async-signal-safe): waits up to a few
  // seconds for the queued values, unless called on the queue's own thread.
  static void drain_before_crash();

  static constexpr uint64_t kMaxQueuedBytes = uint64_t{256} << 20;

 private:
  void run();

  ValuesAppender& values_;
  std::function<void(const std::string&)> on_error_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Job> jobs_;
  // Written values' keep-alives, released on the recording thread (in push
  // and wait), never on the queue's: dropping the last reference to a
  // tensor made from a numpy array takes Python's GIL, which the recording
  // thread may hold while it waits for this queue.
  std::vector<std::shared_ptr<const void>> written_keeps_;
  uint64_t queued_bytes_ = 0;
  std::atomic<uint64_t> pushed_{0};
  std::atomic<uint64_t> written_{0};
  bool stopping_ = false;
  bool failed_ = false;
  int owner_pid_;
  std::thread thread_;
};

}  // namespace tapml::store
