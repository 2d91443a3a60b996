// Timing of all figures of one typical study (256 x 192 x 160 voxels). Target: under 10 s on a 2-core machine.
// Labelled `slow`; the bound asserted here is loose (shared CI machines), the measured time is printed.
#include <gtest/gtest.h>

#include <chrono>

#include "myo/core/log.hpp"
#include "myo/rendering/figures.hpp"
#include "myo/rendering/scene_export.hpp"
#include "myo/testing/test_support.hpp"
#include "phantom.hpp"

using namespace myo;

TEST(RenderingTiming, AllFiguresOfATypicalStudy) {
  if (!rendering::display_available()) GTEST_SKIP() << "no X display: run under `xvfb-run -a`";
  myo::testing::PhantomOptions options;
  options.size = {256, 192, 160};
  options.spacing_mm = {1.8, 1.8, 3.0};
  const auto phantom = myo::testing::make_thigh_phantom(options);
  myo::testing::TempDir dir;
  const auto level = log::level();
  log::set_level(log::Level::debug);  // the stage times
  const auto start = std::chrono::steady_clock::now();
  const auto figures = rendering::render_study_figures(phantom.input(), dir.path());
  const double figures_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const auto export_start = std::chrono::steady_clock::now();
  (void)rendering::export_scene(phantom.input(), dir.path() / "scene.glb", dir.path() / "vtp");
  const double export_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - export_start).count();
  log::set_level(level);
  EXPECT_EQ(figures.size(), 6U);
  RecordProperty("figures_seconds", std::to_string(figures_s));
  RecordProperty("export_seconds", std::to_string(export_s));
  std::printf("[ timing   ] 6 figures of a 256x192x160 study: %.2f s; scene export: %.2f s\n", figures_s, export_s);
  EXPECT_LT(figures_s, 30.0) << "far above the 10 s target";
}
