// Real anatomy (QMRITools demo, lower legs: twoLegs + labels 13-26, BSD-3) to check surfaces, skin outline and
// overlays on real shapes. The demo's muscles are not MyoScope groups: labels are mapped onto catalogue labels only to
// exercise the drawing. Skips without ../shared/data.
#include <gtest/gtest.h>

#include <cstdlib>

#include "myo/core/muscle_catalog.hpp"
#include "myo/core/nifti_io.hpp"
#include "myo/rendering/figures.hpp"
#include "myo/testing/test_support.hpp"
#include "qmritools_demo.hpp"

using namespace myo;
namespace fs = std::filesystem;

TEST(RenderingData, RealLowerLegsRenderEveryFigure) {
  MYO_REQUIRE_SHARED_DATA(data);
  const fs::path demo = data / "muscle-mri" / "qmritools-demo";
  if (!fs::exists(demo / "labels.nii.gz")) GTEST_SKIP() << "qmritools-demo is absent";
  if (!rendering::display_available()) GTEST_SKIP() << "no X display: run under `xvfb-run -a`";
  const auto legs = myo::testing::read_qmritools_demo(demo);
  const auto& labels = legs.labels;
  const auto& anatomy = legs.anatomy;
  ASSERT_TRUE(labels.geometry.same_grid(anatomy.geometry));
  // A synthetic fat fraction map: rising along the leg, so that the strip and overlays have something to show.
  core::ImageVolume ff(labels.geometry, 0.0F);
  const auto nz = static_cast<double>(labels.geometry.size[2]);
  for (std::size_t k = 0; k < labels.geometry.size[2]; ++k)
    for (std::size_t j = 0; j < labels.geometry.size[1]; ++j)
      for (std::size_t i = 0; i < labels.geometry.size[0]; ++i)
        ff.at(i, j, k) = static_cast<float>(5.0 + 50.0 * static_cast<double>(k) / nz);
  rendering::FigureInput input;
  input.labels = &labels;
  input.anatomy = &anatomy;
  input.fat_fraction_pct = &ff;
  rendering::FigureParams params;
  params.metrics = {rendering::Metric::fat_fraction};
  myo::testing::TempDir dir;
  const fs::path out = myo::testing::keeping_pictures() ? myo::testing::kept_picture(dir.path(), "qmritools") : dir.path();
  const auto figures = rendering::render_study_figures(input, out, params);
  EXPECT_EQ(figures.size(), 3U);
}
