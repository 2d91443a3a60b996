// Segmentation time and memory on one study: loads the channels once, then segments it N times.
// Usage: myo_segmentation_bench STUDY_FOLDER [repeats]
// Prints the best and median wall time of segment_muscle_groups, and the process's peak resident memory after
// loading and after segmenting (the difference is what segmentation adds on top of the loaded images).
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <vector>

#include "myo/core/log.hpp"
#include "myo/pipeline/study_channels.hpp"
#include "myo/segmentation/segment.hpp"

namespace {
double peak_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s STUDY_FOLDER [repeats]\n", argv[0]);
    return 2;
  }
  const int repeats = argc > 2 ? std::max(1, std::atoi(argv[2])) : 3;
  try {
    const auto channels = myo::pipeline::load_study_channels(argv[1], {});
    myo::log::set_level(myo::log::Level::debug);  // the segmentation's stage times
    const auto& grid = channels.reference_grid();
    const double after_load = peak_mib();
    std::vector<double> seconds;
    for (int r = 0; r < repeats; ++r) {
      const auto start = std::chrono::steady_clock::now();
      const auto result = myo::segmentation::segment_muscle_groups(channels.segmentation_input());
      seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
      if (result.labels.voxels.empty()) return 1;
      if (r == 0) std::printf("%s\n", result.method.c_str());
    }
    std::sort(seconds.begin(), seconds.end());
    std::printf("grid %zux%zux%zu (%.1f Mvoxels), protocol %s\n", grid.size[0], grid.size[1], grid.size[2],
                static_cast<double>(grid.voxel_count()) / 1e6, channels.dixon ? "dixon" : "t1_stir");
    std::printf("segmentation: best %.2f s, median %.2f s over %d runs\n", seconds.front(), seconds[seconds.size() / 2],
                repeats);
    std::printf("peak memory: %.0f MiB after loading, %.0f MiB after segmentation (+%.0f MiB)\n", after_load,
                peak_mib(), peak_mib() - after_load);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  return 0;
}
