// The one thread pool (core::parallel_for, core::TaskGroup): the same results for any thread count, nesting that
// cannot deadlock, and exceptions that reach the caller.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <numeric>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "myo/core/error.hpp"
#include "myo/core/parallel.hpp"

namespace core = myo::core;

namespace {

// Restores the process-wide default (one thread per core) after each test.
class Parallel : public ::testing::TestWithParam<unsigned> {
 protected:
  void SetUp() override { core::set_thread_count(GetParam()); }
  void TearDown() override { core::set_thread_count(0); }
};

// Squares of 0..n-1, filled by parallel_for.
std::vector<long> squares(int n, unsigned threads = 0) {
  std::vector<long> out(static_cast<std::size_t>(n), -1);
  core::parallel_for(n, [&](int i) { out[static_cast<std::size_t>(i)] = static_cast<long>(i) * i; }, threads);
  return out;
}

}  // namespace

TEST_P(Parallel, EveryIndexRunsOnceWhateverTheThreadCount) {
  for (const int n : {0, 1, 2, 7, 1000}) {
    std::vector<std::atomic<int>> calls(static_cast<std::size_t>(n));
    core::parallel_for(n, [&](int i) { ++calls[static_cast<std::size_t>(i)]; });
    for (int i = 0; i < n; ++i) EXPECT_EQ(calls[static_cast<std::size_t>(i)], 1) << "index " << i << " of " << n;
    const auto got = squares(n);
    for (int i = 0; i < n; ++i) EXPECT_EQ(got[static_cast<std::size_t>(i)], static_cast<long>(i) * i);
  }
  EXPECT_EQ(core::thread_count(), GetParam() == 0 ? std::max(1U, std::thread::hardware_concurrency()) : GetParam());
}

TEST_P(Parallel, UsesAtMostTheAskedThreads) {
  // Each call holds its thread a moment, so the helpers get a chance to join.
  for (const unsigned asked : {1U, 2U}) {
    std::mutex mutex;
    std::set<std::thread::id> seen;
    core::parallel_for(
        16,
        [&](int) {
          std::this_thread::sleep_for(std::chrono::milliseconds(2));
          const std::lock_guard lock(mutex);
          seen.insert(std::this_thread::get_id());
        },
        asked);
    EXPECT_LE(seen.size(), std::min(asked, core::thread_count()));
    if (asked == 1) {
      EXPECT_EQ(*seen.begin(), std::this_thread::get_id()) << "one thread: the caller itself";
    }
  }
}

TEST_P(Parallel, NestedLoopsFinishWithEveryIndex) {
  // Outer bodies on the pool's workers start inner loops: these run inline and so cannot wait for a busy pool.
  constexpr int kOuter = 8, kInner = 50;
  std::vector<std::atomic<int>> calls(kOuter * kInner);
  core::parallel_for(kOuter, [&](int o) {
    core::parallel_for(kInner, [&](int i) { ++calls[static_cast<std::size_t>(o * kInner + i)]; });
  });
  for (const auto& c : calls) EXPECT_EQ(c, 1);
}

TEST_P(Parallel, LowestFailingIndexReachesTheCaller) {
  // Indices 3 and 40 fail; 3 is reported whatever the timing, as a serial loop would, and every index below it ran.
  for (int round = 0; round < 20; ++round) {
    std::vector<std::atomic<int>> calls(100);
    try {
      core::parallel_for(100, [&](int i) {
        ++calls[static_cast<std::size_t>(i)];
        if (i == 3 || i == 40) throw core::MyoError("item " + std::to_string(i), "failed");
      });
      FAIL() << "no exception";
    } catch (const core::MyoError& e) {
      EXPECT_EQ(e.error().subject, "item 3");
    }
    for (int i = 0; i <= 3; ++i) EXPECT_EQ(calls[static_cast<std::size_t>(i)], 1) << "index " << i;
  }
}

TEST_P(Parallel, ExceptionOfANestedLoopReachesTheCaller) {
  EXPECT_THROW(core::parallel_for(4,
                                  [](int o) {
                                    core::parallel_for(4, [o](int i) {
                                      if (o == 2 && i == 1) throw std::runtime_error("inner");
                                    });
                                  }),
               std::runtime_error);
}

TEST_P(Parallel, TaskGroupRunsEveryTaskAndRethrowsTheFirstFailure) {
  std::atomic<int> ran{0};
  core::TaskGroup group;
  for (int t = 0; t < 10; ++t) group.run([&] { ++ran; });
  group.wait();
  EXPECT_EQ(ran, 10);

  core::TaskGroup failing;
  failing.run([] { throw core::MyoError("first.nii.gz", "disk full", core::ErrorKind::output); });
  failing.run([] { throw std::runtime_error("second"); });
  try {
    failing.wait();
    FAIL() << "no exception";
  } catch (const core::MyoError& e) {
    EXPECT_EQ(e.error().subject, "first.nii.gz");
    EXPECT_EQ(e.kind(), core::ErrorKind::output);
  }
}

TEST_P(Parallel, TaskGroupOverlapsWithAParallelLoop) {
  // A task (e.g. writing an output) running on a worker while the caller runs a loop that wants the pool too.
  std::vector<long> written;
  core::TaskGroup group;
  group.run([&] { written = squares(5000); });
  const auto computed = squares(5000);
  group.wait();
  EXPECT_EQ(written, computed);
}

std::string thread_count_name(const ::testing::TestParamInfo<unsigned>& param) {
  return "threads_" + std::to_string(param.param);
}

INSTANTIATE_TEST_SUITE_P(ThreadCounts, Parallel, ::testing::Values(0U, 1U, 2U, 5U), thread_count_name);

TEST(ParallelSettings, AbsurdThreadCountIsAUsageError) {
  try {
    core::set_thread_count(core::kMaxThreads + 1);
    FAIL() << "no exception";
  } catch (const core::MyoError& e) {
    EXPECT_EQ(e.kind(), core::ErrorKind::usage);
    EXPECT_EQ(e.error().subject, "--threads");
  }
  EXPECT_EQ(core::worker_count(3), 3U);
}
