// N4 bias correction of a STIR the size of the standard study's (160 x 120 x 89 voxels of 3 x 3 x 6 mm, muscle in
// two ellipses under a smooth coil field), timed at one thread and at every core: wall and CPU seconds, best of the
// repetitions. Also checks that both give the same field, voxel for voxel.
// Usage: myo_bias_field_bench [repetitions]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <random>

#include "myo/core/parallel.hpp"
#include "myo/quantification/bias_field.hpp"

namespace {

struct Study {
  myo::core::ImageVolume stir;
  myo::core::MaskVolume muscle;
};

// Two thighs (ellipses) of uniform muscle under a coil field of 0.7x to 1.4x, with noise.
Study make_study() {
  myo::core::Geometry g;
  g.size = {160, 120, 89};
  g.spacing_mm = {3.0, 3.0, 6.0};
  Study s{myo::core::ImageVolume(g, 0.0F), myo::core::MaskVolume(g, 0)};
  std::mt19937 rng(5);
  std::normal_distribution<double> noise(0.0, 3.0);
  for (std::size_t k = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i) {
        const double x = std::abs(static_cast<double>(i) - 80.0) - 40.0, y = static_cast<double>(j) - 60.0;
        if (x * x / 900.0 + y * y / 1600.0 > 1.0) continue;
        const double field = std::exp(0.35 * (static_cast<double>(i) / 160.0 - 0.5) +
                                      0.3 * (static_cast<double>(k) / 89.0 - 0.5) + 0.1 * y / 60.0);
        const auto v = g.linear_index(i, j, k);
        s.stir.voxels[v] = static_cast<float>(200.0 * field + noise(rng));
        s.muscle.voxels[v] = 1;
      }
  return s;
}

struct Timing {
  double wall_s = 1e9, cpu_s = 1e9;
  myo::core::ImageVolume bias;
};

Timing time_correction(const Study& study, unsigned threads, int repetitions) {
  myo::core::set_thread_count(threads);
  Timing t;
  for (int r = 0; r < repetitions; ++r) {
    const std::clock_t c0 = std::clock();  // CPU time of all threads
    const auto t0 = std::chrono::steady_clock::now();
    auto corrected = myo::quantification::correct_bias_field(study.stir, study.muscle);
    t.wall_s = std::min(t.wall_s, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    t.cpu_s = std::min(t.cpu_s, static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC);
    t.bias = std::move(corrected.bias);
  }
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  const int repetitions = argc > 1 ? std::max(1, std::atoi(argv[1])) : 3;
  const Study study = make_study();
  const auto one = time_correction(study, 1, repetitions);
  const auto all = time_correction(study, 0, repetitions);
  std::printf("N4 of a 160x120x89 STIR, best of %d: 1 thread %.3f s wall / %.3f s CPU; %u threads %.3f s / %.3f s\n",
              repetitions, one.wall_s, one.cpu_s, myo::core::thread_count(), all.wall_s, all.cpu_s);
  const bool same = one.bias.voxels == all.bias.voxels;
  std::printf("bias field %s between the thread counts\n", same ? "identical" : "DIFFERENT");
  return same ? 0 : 1;
}
