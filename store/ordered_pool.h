// Runs `produce(i)` for i = 0..count-1 on worker threads and hands the
// results to `consume(i, result)` on the calling thread, in order, with at
// most `window` results in flight (bounded memory). An exception from either
// side stops the workers and is rethrown here.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace tapml::store {

template <typename Result, typename Produce, typename Consume>
void run_ordered(size_t count, size_t threads, size_t window, Produce produce, Consume consume) {
  struct Slot {
    std::optional<Result> result;
    std::exception_ptr error;
    bool ready = false;
  };
  std::vector<Slot> slots(window);
  std::mutex mutex;
  std::condition_variable changed;
  size_t next = 0, consumed = 0;
  bool stop = false;

  auto work = [&] {
    std::unique_lock lock(mutex);
    for (;;) {
      changed.wait(lock, [&] { return stop || next >= count || next < consumed + window; });
      if (stop || next >= count) return;
      const size_t i = next++;
      lock.unlock();
      Slot done;
      try {
        done.result.emplace(produce(i));
      } catch (...) {
        done.error = std::current_exception();
      }
      done.ready = true;
      lock.lock();
      slots[i % window] = std::move(done);
      changed.notify_all();
    }
  };
  std::vector<std::jthread> workers;
  auto stop_workers = [&] {
    {
      std::lock_guard lock(mutex);
      stop = true;
    }
    changed.notify_all();
    workers.clear();  // joins
  };
  for (size_t t = 0; t < threads; ++t) workers.emplace_back(work);
  try {
    for (size_t i = 0; i < count; ++i) {
      Slot slot;
      {
        std::unique_lock lock(mutex);
        changed.wait(lock, [&] { return slots[i % window].ready; });
        slot = std::move(slots[i % window]);
        slots[i % window] = Slot{};
        consumed = i + 1;
      }
      changed.notify_all();
      if (slot.error) std::rethrow_exception(slot.error);
      consume(i, *slot.result);
    }
  } catch (...) {
    stop_workers();
    throw;
  }
  stop_workers();
}

// The same over groups of consecutive items: group g is items
// [bounds[g], bounds[g + 1]), produced together on one worker. For many
// small items, where a job each would spend more time waking threads than
// working.
template <typename Result, typename Produce, typename Consume>
void run_ordered_grouped(const std::vector<size_t>& bounds, size_t threads, size_t window,
                         Produce produce, Consume consume) {
  if (bounds.size() < 2) return;
  run_ordered<std::vector<Result>>(
      bounds.size() - 1, threads, window,
      [&](size_t g) {
        std::vector<Result> results;
        results.reserve(bounds[g + 1] - bounds[g]);
        for (size_t i = bounds[g]; i < bounds[g + 1]; ++i) results.push_back(produce(i));
        return results;
      },
      [&](size_t g, std::vector<Result>& results) {
        for (size_t k = 0; k < results.size(); ++k) consume(bounds[g] + k, results[k]);
      });
}

}  // namespace tapml::store
