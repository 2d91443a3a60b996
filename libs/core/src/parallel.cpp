#include "myo/core/parallel.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <limits>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "myo/core/error.hpp"
#include "toolkit_threads.hpp"

namespace myo::core {
namespace {

std::atomic<unsigned> g_requested_threads{0};  // 0: one per core
// True on pool workers and on a thread running a parallel_for body: further parallel work there runs inline.
thread_local bool t_inline = false;

unsigned cores() { return std::max(1U, std::thread::hardware_concurrency()); }

// Persistent workers fed from one queue. Rebuilt (joined and restarted) only when the thread count changes.
class Pool {
 public:
  static Pool& instance() {
    static Pool pool;
    return pool;
  }
  ~Pool() { stop(); }

  // Starts `count` workers if that is not the current size; queued tasks are finished first.
  void resize(unsigned count) {
    const std::lock_guard resizing(resize_mutex_);
    if (started_ && threads_.size() == count) return;
    stop();
    started_ = true;
    stopping_ = false;
    try {
      for (unsigned t = 0; t < count; ++t) threads_.emplace_back([this] { work(); });
    } catch (const std::system_error&) {
      // No more threads to be had (process limits): the ones started serve.
    }
  }
  unsigned size() {
    if (!started_) resize(thread_count() - 1);
    return static_cast<unsigned>(threads_.size());
  }
  void post(std::function<void()> task) {
    {
      const std::lock_guard lock(mutex_);
      queue_.push_back(std::move(task));
    }
    ready_.notify_one();
  }

 private:
  void work() {
    t_inline = true;
    for (;;) {
      std::unique_lock lock(mutex_);
      ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left to do
      auto task = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      task();  // tasks catch their own exceptions
    }
  }
  void stop() {
    {
      const std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    ready_.notify_all();
    for (auto& t : threads_) t.join();
    threads_.clear();
  }

  std::mutex resize_mutex_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> queue_;
  std::vector<std::thread> threads_;
  bool stopping_ = false;
  std::atomic<bool> started_{false};
};

// Sets t_inline for a scope and restores it after.
class InlineScope {
 public:
  InlineScope() : saved_(std::exchange(t_inline, true)) {}
  InlineScope(const InlineScope&) = delete;
  InlineScope& operator=(const InlineScope&) = delete;
  ~InlineScope() { t_inline = saved_; }

 private:
  bool saved_;
};

// Keeps the first (lowest-index) exception of several threads.
class FirstFailure {
 public:
  void record(long index, std::exception_ptr error) {
    const std::lock_guard lock(mutex_);
    if (!error_ || index < index_) error_ = std::move(error), index_ = index;
  }
  // Rethrows the kept exception, once.
  void rethrow() {
    const std::lock_guard lock(mutex_);
    if (auto error = std::exchange(error_, nullptr)) std::rethrow_exception(error);
  }

 private:
  std::mutex mutex_;
  std::exception_ptr error_;
  long index_ = 0;
};

// One parallel_for call, shared with the helper tasks (which may start after the call has returned: they then find
// no index left and never touch the body). After a failure at index k, indices above k are skipped and those below
// still run, so the lowest failing index is the one reported, as in a serial loop.
struct Loop {
  Loop(int n, const std::function<void(int)>& f) : count(n), body(&f) {}
  void work() {
    for (int i = next++; i < count; i = next++) {
      if (i < lowest_failed) {
        try {
          (*body)(i);
        } catch (...) {
          failure.record(i, std::current_exception());
          for (int seen = lowest_failed; i < seen && !lowest_failed.compare_exchange_weak(seen, i);) {
          }
        }
      }
      if (++done == count) {
        const std::lock_guard lock(mutex);
        finished.notify_all();
      }
    }
  }
  void wait() {
    std::unique_lock lock(mutex);
    finished.wait(lock, [this] { return done == count; });
  }

  const int count;
  const std::function<void(int)>* body;
  std::atomic<int> next{0};
  std::atomic<int> done{0};
  std::atomic<int> lowest_failed{std::numeric_limits<int>::max()};
  FirstFailure failure;
  std::mutex mutex;
  std::condition_variable finished;
};

}  // namespace

void set_thread_count(unsigned threads) {
  if (threads > kMaxThreads)
    throw MyoError("--threads", "at most " + std::to_string(kMaxThreads) + " (0: one per core), not " +
                                    std::to_string(threads),
                   ErrorKind::usage);
  g_requested_threads = threads;
  detail::set_toolkit_thread_count(thread_count());
  Pool::instance().resize(thread_count() - 1);
}

unsigned thread_count() {
  const unsigned requested = g_requested_threads;
  return requested != 0 ? requested : cores();
}

unsigned worker_count(unsigned threads) { return threads != 0 ? threads : thread_count(); }

void parallel_for(int count, const std::function<void(int)>& body, unsigned threads) {
  if (count <= 0) return;
  const unsigned wanted = std::min<unsigned>(worker_count(threads), static_cast<unsigned>(count));
  const unsigned helpers = t_inline || wanted <= 1 ? 0U : std::min(wanted - 1, Pool::instance().size());
  const InlineScope scope;
  if (helpers == 0) {
    for (int i = 0; i < count; ++i) body(i);  // the first failure is the lowest index
    return;
  }
  auto loop = std::make_shared<Loop>(count, body);
  for (unsigned h = 0; h < helpers; ++h) Pool::instance().post([loop] { loop->work(); });
  loop->work();
  loop->wait();
  loop->failure.rethrow();
}

struct TaskGroup::State {
  // Takes the next queued task and runs it; false when none is queued.
  bool run_one() {
    std::unique_lock lock(mutex);
    if (queue.empty()) return false;
    auto [index, task] = std::move(queue.front());
    queue.pop_front();
    ++running;
    lock.unlock();
    try {
      task();
    } catch (...) {
      failure.record(index, std::current_exception());
    }
    lock.lock();
    --running;
    idle.notify_all();
    return true;
  }

  std::mutex mutex;
  std::condition_variable idle;
  std::deque<std::pair<long, std::function<void()>>> queue;
  long submitted = 0;
  int running = 0;
  FirstFailure failure;
};

TaskGroup::TaskGroup() : state_(std::make_shared<State>()) {}

TaskGroup::~TaskGroup() {
  try {
    wait();
  } catch (...) {
    // wait() was not called by the owner, who then has no use for the error; the tasks have finished.
  }
}

void TaskGroup::run(std::function<void()> task) {
  {
    const std::lock_guard lock(state_->mutex);
    state_->queue.emplace_back(state_->submitted++, std::move(task));
  }
  if (t_inline || Pool::instance().size() == 0) {
    state_->run_one();
    return;
  }
  Pool::instance().post([state = state_] { state->run_one(); });
}

void TaskGroup::wait() {
  while (state_->run_one()) {
  }
  {
    std::unique_lock lock(state_->mutex);
    state_->idle.wait(lock, [this] { return state_->running == 0; });
  }
  state_->failure.rethrow();
}

}  // namespace myo::core
