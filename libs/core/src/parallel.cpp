#include "myo/core/parallel.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

namespace myo::core {

unsigned worker_count(unsigned threads) {
  return threads != 0 ? threads : std::max(1U, std::thread::hardware_concurrency());
}

void parallel_for(int count, const std::function<void(int)>& body, unsigned threads) {
  const auto workers =
      static_cast<int>(std::min<unsigned>(worker_count(threads), static_cast<unsigned>(std::max(count, 1))));
  std::atomic<int> next{0};
  std::exception_ptr failure;
  std::mutex failure_mutex;
  const auto work = [&] {
    for (int i = next++; i < count; i = next++) {
      try {
        body(i);
      } catch (...) {
        const std::lock_guard lock(failure_mutex);
        if (!failure) failure = std::current_exception();
        next = count;
      }
    }
  };
  std::vector<std::thread> helpers;
  try {
    for (int w = 1; w < workers; ++w) helpers.emplace_back(work);
  } catch (const std::system_error&) {
    // No more threads to be had (process limits): the ones started and this one share the work.
  }
  work();
  for (auto& t : helpers) t.join();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace myo::core
