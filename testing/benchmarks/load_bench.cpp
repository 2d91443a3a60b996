// Scanning and loading every series of a study, timed: the figure compared with dcm2niix on the same folder.
// Usage: myo_load_bench DICOM_FOLDER [repetitions]
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>

#include "myo/dicom/load.hpp"
#include "myo/dicom/scan.hpp"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s DICOM_FOLDER [repetitions]\n", argv[0]);
    return 2;
  }
  const int repetitions = argc > 2 ? std::atoi(argv[2]) : 3;
  double best_scan = 1e9, best_total = 1e9, best_cpu = 1e9;
  std::size_t voxels = 0, volumes = 0;
  for (int r = 0; r < repetitions; ++r) {
    const std::clock_t c0 = std::clock();  // CPU time of all threads: a figure that a busy machine disturbs less
    const auto t0 = std::chrono::steady_clock::now();
    const auto scan = myo::dicom::scan(argv[1]);
    const auto t1 = std::chrono::steady_clock::now();
    voxels = volumes = 0;
    for (const auto& study : scan.studies)
      for (const auto& series : study.series) {
        const auto loaded = myo::dicom::load_series(series);
        if (!loaded) continue;  // e.g. a 3-plane localizer: not a volume
        voxels += loaded.value().volume.voxels.size();
        ++volumes;
      }
    const auto t2 = std::chrono::steady_clock::now();
    best_scan = std::min(best_scan, std::chrono::duration<double>(t1 - t0).count());
    best_total = std::min(best_total, std::chrono::duration<double>(t2 - t0).count());
    best_cpu = std::min(best_cpu, static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC);
  }
  std::printf("scan %.3f s, scan+load of %zu volumes (%.1f Mvoxels) %.3f s (best of %d), CPU %.3f s\n", best_scan,
              volumes, static_cast<double>(voxels) / 1e6, best_total, repetitions, best_cpu);
  return 0;
}
