// All figures of one typical study (256 x 192 x 160 voxels of the test thigh phantom), its 3D scene export and its PACS
// overlay series, timed (wall, and process CPU for the overlay series, which composes its slices on all cores).
// Target: the figures under 10 s on a 2-core machine. Needs an X display: run under `xvfb-run -a`.
// With `compositing`, only the CPU slice compositing: the overlay series and the two slice-overlay figures, in process
// CPU seconds (no display needed).
// Usage: myo_figures_bench [repetitions] [compositing]
#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "myo/rendering/figures.hpp"
#include "myo/rendering/overlay_series.hpp"
#include "myo/rendering/scene_export.hpp"
#include "myo/testing/test_support.hpp"
#include "myo/testing/thigh_phantom.hpp"

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double process_cpu_seconds() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

// The slice compositing alone, best of `repetitions` in process CPU seconds: the overlay series, the slice figures.
int bench_compositing(const myo::rendering::FigureInput& input, int repetitions) {
  double best_overlay = 1e9, best_slices = 1e9;
  std::size_t overlay_slices = 0;
  for (int r = 0; r < repetitions; ++r) {
    const myo::testing::TempDir dir("myo-compositing-bench");
    const double overlay_start = process_cpu_seconds();
    overlay_slices = myo::rendering::render_overlay_series(input).size();
    best_overlay = std::min(best_overlay, process_cpu_seconds() - overlay_start);
    const double slices_start = process_cpu_seconds();
    for (const auto metric : {myo::rendering::Metric::fat_fraction, myo::rendering::Metric::edema_fraction})
      (void)myo::rendering::render_slice_overlays(input, metric, dir.path() / "slices.png");
    best_slices = std::min(best_slices, process_cpu_seconds() - slices_start);
  }
  std::printf("overlay series (%zu slices): %.3f CPU s; slice figures (2): %.3f CPU s (best of %d)\n", overlay_slices,
              best_overlay, best_slices, repetitions);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const bool compositing_only = argc > 2 && std::string(argv[2]) == "compositing";
  if (!compositing_only && !myo::rendering::display_available()) {
    std::fprintf(stderr, "no X display: run under `xvfb-run -a`\n");
    return 2;
  }
  const int repetitions = argc > 1 ? std::max(1, std::atoi(argv[1])) : 1;
  myo::testing::PhantomOptions options;
  options.size = {256, 192, 160};
  options.spacing_mm = {1.8, 1.8, 3.0};
  const auto phantom = myo::testing::make_thigh_phantom(options);
  if (compositing_only) return bench_compositing(phantom.input(), repetitions);
  double best_figures = 1e9, best_export = 1e9, best_overlay = 1e9, best_overlay_cpu = 1e9;
  std::size_t figures = 0, overlay_slices = 0;
  for (int r = 0; r < repetitions; ++r) {
    const myo::testing::TempDir dir("myo-figures-bench");
    const auto start = std::chrono::steady_clock::now();
    figures = myo::rendering::render_study_figures(phantom.input(), dir.path()).size();
    best_figures = std::min(best_figures, seconds_since(start));
    const auto export_start = std::chrono::steady_clock::now();
    (void)myo::rendering::export_scene(phantom.input(), dir.path() / "scene.glb", dir.path() / "vtp");
    best_export = std::min(best_export, seconds_since(export_start));
    const auto overlay_start = std::chrono::steady_clock::now();
    const double overlay_cpu_start = process_cpu_seconds();
    overlay_slices = myo::rendering::render_overlay_series(phantom.input()).size();
    best_overlay = std::min(best_overlay, seconds_since(overlay_start));
    best_overlay_cpu = std::min(best_overlay_cpu, process_cpu_seconds() - overlay_cpu_start);
  }
  std::printf("%zu figures of a 256x192x160 study: %.2f s; scene export: %.2f s; overlay series (%zu slices): "
              "%.2f s, %.2f CPU s (best of %d)\n",
              figures, best_figures, best_export, overlay_slices, best_overlay, best_overlay_cpu, repetitions);
  return 0;
}
