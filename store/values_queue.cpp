#include "store/values_queue.h"

#include <time.h>
#include <unistd.h>

#include <vector>

#include "store/trace.h"

namespace tapml::store {

namespace {

// The queue a fatal signal drains: the recorder has one writer at a time.
std::atomic<ValuesQueue*> g_active{nullptr};
std::atomic<pthread_t> g_queue_thread{};

}  // namespace

ValuesQueue::ValuesQueue(ValuesAppender& values, std::function<void(const std::string&)> on_error)
    : values_(values), on_error_(std::move(on_error)), owner_pid_(static_cast<int>(::getpid())) {
  thread_ = std::thread([this] { run(); });
  g_active.store(this, std::memory_order_release);
}

ValuesQueue::~ValuesQueue() {
  ValuesQueue* self = this;
  g_active.compare_exchange_strong(self, nullptr);
  if (static_cast<int>(::getpid()) != owner_pid_) {
    thread_.detach();  // a forked child has no copy of the thread
    return;
  }
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

uint64_t ValuesQueue::push(Job job) {
  std::vector<std::shared_ptr<const void>> written_keeps;
  std::unique_lock lock(mutex_);
  written_keeps.swap(written_keeps_);
  changed_.wait(lock, [&] { return queued_bytes_ < kMaxQueuedBytes || jobs_.empty(); });
  queued_bytes_ += job.region.nbytes;
  jobs_.push_back(std::move(job));
  const uint64_t ticket = pushed_.fetch_add(1, std::memory_order_acq_rel) + 1;
  lock.unlock();
  changed_.notify_all();
  return ticket;  // written_keeps are released here, on the caller's thread
}

void ValuesQueue::wait(uint64_t ticket) {
  std::vector<std::shared_ptr<const void>> written_keeps;
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return written(ticket); });
  written_keeps.swap(written_keeps_);
  lock.unlock();
}

void ValuesQueue::drain() { wait(pushed_.load(std::memory_order_acquire)); }

void ValuesQueue::run() {
  g_queue_thread.store(pthread_self());
  std::unique_lock lock(mutex_);
  for (;;) {
    changed_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
    if (jobs_.empty()) return;  // stopping, and nothing left
    Job job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    if (!failed_) {
      try {
        values_.write(job.region);
        SpoolAppender::commit(job.record);
      } catch (const TraceError& e) {
        failed_ = true;  // the record stays pending; so do the later ones
        on_error_(e.what());
      }
    }
    lock.lock();
    written_keeps_.push_back(std::move(job.keep));
    queued_bytes_ -= job.region.nbytes;
    written_.fetch_add(1, std::memory_order_acq_rel);
    changed_.notify_all();
  }
}

void ValuesQueue::drain_before_crash() {
  ValuesQueue* queue = g_active.load(std::memory_order_acquire);
  // Not on the queue's thread (it would wait for itself), nor in a forked
  // child (which has no copy of that thread).
  if (queue == nullptr || pthread_equal(pthread_self(), g_queue_thread.load()) ||
      static_cast<int>(::getpid()) != queue->owner_pid_) {
    return;
  }
  const timespec pause{0, 1'000'000};
  for (int waited_ms = 0; waited_ms < 5000; ++waited_ms) {
    if (queue->written_.load(std::memory_order_acquire) >=
        queue->pushed_.load(std::memory_order_acquire)) {
      return;
    }
    nanosleep(&pause, nullptr);
  }
}

}  // namespace tapml::store
