#pragma once
// The project's one thread pool. It is created once, on first use, with `thread_count() - 1` workers (the calling
// thread is always the last one), and serves `parallel_for` and `TaskGroup`. Work started from inside a worker or a
// parallel_for body runs inline on that thread, so nesting never waits for a busy pool.
#include <functional>
#include <memory>

namespace myo::core {

// Largest thread count accepted (`--threads`): far above any machine this runs on, low enough to catch typos.
inline constexpr unsigned kMaxThreads = 256;

// The process-wide thread count: 0 means one per core. Sets the pool's size and ITK's global default thread count
// (ITK's filters read it when they are made). Call before the work starts (the pool is rebuilt if it exists).
// Throws MyoError (usage) above kMaxThreads.
void set_thread_count(unsigned threads);
[[nodiscard]] unsigned thread_count();  // the effective process-wide count, at least 1

// `threads` when non-zero, else the process-wide count.
[[nodiscard]] unsigned worker_count(unsigned threads = 0);

// body(i) for i in [0, count) on up to worker_count(threads) threads (never more than the pool has), the calling
// thread among them. Returns when every call has returned. After a failure no further index is started, and the
// exception of the lowest failed index is rethrown (the same one whatever the timing).
void parallel_for(int count, const std::function<void(int)>& body, unsigned threads = 0);

// Independent tasks on the pool, e.g. writing outputs while the next stage computes. wait() (also run by the
// destructor, which swallows errors) runs still-queued tasks itself, waits for the running ones and rethrows the
// first task's exception in submission order. Without pool workers a task runs when it is submitted.
class TaskGroup {
 public:
  TaskGroup();
  TaskGroup(const TaskGroup&) = delete;
  TaskGroup& operator=(const TaskGroup&) = delete;
  ~TaskGroup();
  void run(std::function<void()> task);
  void wait();

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace myo::core
