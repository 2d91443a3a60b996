// The viewer (`myoscope view`) on the synthetic two-thigh phantom: the same window as the interactive one, rendered
// off-screen once. Needs an X display (ctest runs it under `xvfb-run -a`); the no-display contract is checked without.
#include "myo/rendering/viewer.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <vtkImageData.h>
#include <vtkNew.h>
#include <vtkPNGReader.h>
#include <vtkSmartPointer.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "myo/core/error.hpp"
#include "myo/core/files.hpp"
#include "myo/testing/run_myoscope.hpp"
#include "myo/testing/test_support.hpp"
#include "png_probe.hpp"
#include "viewer_probe.hpp"
#include "myo/testing/thigh_phantom.hpp"

using namespace myo;
namespace fs = std::filesystem;

namespace {

using myo::testing::Png;
using myo::testing::Rgb;

using myo::testing::panel;
using myo::testing::picture_path;

using myo::testing::run_myoscope;

rendering::ViewerInput viewer_input(const myo::testing::ThighPhantom& p) {
  rendering::ViewerInput in;
  in.labels = &p.labels;
  in.series = {{"water", &p.anatomy}, {"stir", &p.stir}, {"fat_fraction", &p.fat_fraction_pct}};
  in.fat_fraction_pct = &p.fat_fraction_pct;
  in.edema_mask = &p.edema;
  in.measurements = p.measurements;
  for (auto& m : in.measurements) m.mercuri_grade = m.fat_fraction_pct && *m.fat_fraction_pct > 50 ? 4 : 1;
  in.title = "phantom";
  return in;
}


class ViewerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!rendering::display_available()) GTEST_SKIP() << "no X display: run under `xvfb-run -a ctest -L render`";
  }
  myo::testing::ThighPhantom phantom_ = myo::testing::make_thigh_phantom();
  myo::testing::TempDir tmp_{"myo-viewer"};
};

// Every viewport shows something (guards against a black 3D view, a slice outside the volume, a lost texture).
TEST_F(ViewerTest, EveryViewportShowsTheStudy) {
  const auto png = picture_path(tmp_, "viewer_default.png");
  const auto frame = rendering::viewer_screenshot(viewer_input(phantom_), png);
  ASSERT_TRUE(fs::exists(png));
  const Png image(png);
  EXPECT_EQ(image.width(), frame.width_px);
  EXPECT_EQ(image.height(), frame.height_px);
  ASSERT_EQ(frame.panels.size(), 4U);
  for (const auto& p : frame.panels) {
    // The central part of each viewport, away from the texts at its edges.
    const double sd = image.luminance_sd(p.x + p.width / 5, p.y + p.height / 5, p.width * 3 / 5, p.height * 3 / 5);
    EXPECT_GT(sd, 15.0) << p.name << " looks blank";
  }
  EXPECT_GT(frame.first_frame_seconds, 0.0);
}

// The femur is context in the 3D viewport: ivory where no muscle hides it. Only the right quadriceps and the left
// hamstrings are labelled, so the anterior 3D view shows the left femur (viewer's right) and not the right one.
TEST_F(ViewerTest, ThreeDViewportShowsTheFemurInIvoryWhereNoMuscleHidesIt) {
  myo::testing::PhantomOptions options;
  options.right_quadriceps_left_hamstrings_only = true;
  auto phantom = myo::testing::make_thigh_phantom(options);
  const auto& g = phantom.bone.geometry;
  for (std::size_t k = 0; k < g.size[2]; ++k)  // the femoral shafts only (no hips)
    if (g.index_to_physical({0, 0, static_cast<double>(k)})[2] >= phantom.crotch_z_mm)
      for (std::size_t j = 0; j < g.size[1]; ++j)
        for (std::size_t i = 0; i < g.size[0]; ++i) phantom.bone.at(i, j, k) = 0;
  const auto ivory = [](const Rgb& c) {
    return c.r > 110 && c.r >= c.g && c.g > c.b && c.r - c.b >= c.r / 16 && c.r - c.b <= c.r / 3 &&
           c.g - c.b >= c.r / 32;
  };
  const auto count = [&](const fs::path& png, const rendering::ViewerFrame& frame) {
    const Png image(png);
    const auto& p = panel(frame, "3d");
    std::array<int, 2> halves{0, 0};
    // Away from the texts at the viewport's edges.
    for (int y = p.y + p.height / 8; y < p.y + p.height * 7 / 8; ++y)
      for (int x = p.x + 30; x < p.x + p.width - 30; ++x)
        if (ivory(image.at(x, y))) ++halves[x < p.x + p.width / 2 ? 0 : 1];
    return halves;
  };
  auto input = viewer_input(phantom);
  rendering::ViewerOptions view;
  view.metric = rendering::ViewerMetric::fat_fraction;
  const auto plain_png = tmp_.path() / "viewer_no_bone.png";
  const auto plain = count(plain_png, rendering::viewer_screenshot(input, plain_png, view));
  input.bone = &phantom.bone;
  const auto bone_png = picture_path(tmp_, "viewer_bone.png");
  const auto with_bone = count(bone_png, rendering::viewer_screenshot(input, bone_png, view));
  EXPECT_GT(with_bone[1], plain[1] + 300) << "the left femur (no quadriceps in front of it) should show";
  EXPECT_LE(with_bone[0], plain[0] + 20) << "the right femur lies behind the right quadriceps";
}

// Radiological convention and LPS: the patient's left quadriceps appears on the image right of the axial and coronal
// views and on the viewer's right in the anterior 3D view; the letters say so.
TEST_F(ViewerTest, OrientationOfEveryViewIsCorrect) {
  rendering::ViewerOptions options;
  options.pick_group = "quadriceps";
  options.pick_side = core::Side::left;
  const auto frame =
      rendering::viewer_screenshot(viewer_input(phantom_), picture_path(tmp_, "viewer_left.png"), options);
  using Letters = std::array<std::string, 4>;  // left, right, top, bottom
  EXPECT_EQ(panel(frame, "axial").orientation, (Letters{"R", "L", "A", "P"}));
  EXPECT_EQ(panel(frame, "coronal").orientation, (Letters{"R", "L", "S", "I"}));
  EXPECT_EQ(panel(frame, "sagittal").orientation, (Letters{"A", "P", "S", "I"}));
  EXPECT_EQ(panel(frame, "3d").orientation, (Letters{"R", "L", "S", "I"}));
  EXPECT_GT(frame.cursor_mm[0], 0.0) << "left is +x in LPS";
  for (const char* name : {"axial", "coronal", "3d"}) {
    const auto& p = panel(frame, name);
    ASSERT_TRUE(p.cursor_px);
    EXPECT_GT((*p.cursor_px)[0], p.x + p.width / 2) << name << ": the patient's left must be on the image right";
  }
  // Anterior up on the axial view: the quadriceps lies in front of the femur (above the panel's middle).
  const auto& axial = panel(frame, "axial");
  EXPECT_LT((*axial.cursor_px)[1], axial.y + axial.height / 2);

  options.pick_side = core::Side::right;
  const auto right =
      rendering::viewer_screenshot(viewer_input(phantom_), picture_path(tmp_, "viewer_right.png"), options);
  for (const char* name : {"axial", "coronal", "3d"}) {
    const auto& p = panel(right, name);
    EXPECT_LT((*p.cursor_px)[0], p.x + p.width / 2) << name << ": the patient's right must be on the image left";
  }
}

// Picking shows the group, the patient's side and the report's numbers.
TEST_F(ViewerTest, PickShowsTheGroupAndItsNumbers) {
  rendering::ViewerOptions options;
  options.pick_group = "quadriceps";
  options.pick_side = core::Side::right;
  const auto frame =
      rendering::viewer_screenshot(viewer_input(phantom_), picture_path(tmp_, "viewer_pick.png"), options);
  EXPECT_NE(frame.pick_text.find("Quadriceps femoris \u2014 patient's right"), std::string::npos) << frame.pick_text;
  EXPECT_NE(frame.pick_text.find("fat fraction 60.0 %"), std::string::npos) << frame.pick_text;
  EXPECT_NE(frame.pick_text.find("Mercuri 4"), std::string::npos) << frame.pick_text;
  EXPECT_NE(frame.pick_text.find("voxel FF 60 %"), std::string::npos) << frame.pick_text;
}

// The heat map's colour at a known muscle: right quadriceps 60 % (top of viridis: green/yellow), left 5 % (bottom:
// purple); outside the muscles the image stays grey.
TEST_F(ViewerTest, FatOverlayColoursAtKnownMuscles) {
  rendering::ViewerOptions options;
  options.overlay_opacity = 0.8;
  options.pick_group = "quadriceps";
  for (const auto side : {core::Side::right, core::Side::left}) {
    options.pick_side = side;
    const auto png = picture_path(tmp_, side == core::Side::right ? "viewer_ff_r.png" : "viewer_ff_l.png");
    const auto frame = rendering::viewer_screenshot(viewer_input(phantom_), png, options);
    const Png image(png);
    const auto& axial = panel(frame, "axial");
    const auto c = image.mean_around((*axial.cursor_px)[0], (*axial.cursor_px)[1], 1);
    if (side == core::Side::right) {
      EXPECT_GT(c.g, c.b + 40) << "60 % should be green-yellow: " << c.r << "," << c.g << "," << c.b;
    } else {
      EXPECT_GT(c.b, c.g + 20) << "5 % should be purple: " << c.r << "," << c.g << "," << c.b;
    }
  }
  // The labels metric shows the catalogue colour of the group (quadriceps: green).
  options.metric = rendering::ViewerMetric::labels;
  options.pick_side = core::Side::left;
  const auto png = picture_path(tmp_, "viewer_labels.png");
  const auto frame = rendering::viewer_screenshot(viewer_input(phantom_), png, options);
  const Png image(png);
  const auto& axial = panel(frame, "axial");
  const auto c = image.mean_around((*axial.cursor_px)[0], (*axial.cursor_px)[1], 1);
  EXPECT_GT(c.g, c.r + 40);
  EXPECT_GT(c.g, c.b + 40);
}

// Edema overlay (red) on STIR exactly where the mask is: the distal right hamstrings.
TEST_F(ViewerTest, EdemaOverlayFollowsTheMask) {
  rendering::ViewerOptions options;
  options.metric = rendering::ViewerMetric::edema_fraction;
  options.overlay_opacity = 0.8;
  options.pick_group = "hamstrings";
  options.pick_side = core::Side::right;
  // Page down the axial view into the edematous distal half (the group's centroid lies near its upper end).
  options.keys = {"Next@axial", "Next@axial", "Next@axial", "Next@axial"};
  const auto png = picture_path(tmp_, "viewer_edema.png");
  const auto frame = rendering::viewer_screenshot(viewer_input(phantom_), png, options);
  EXPECT_EQ(frame.series, "stir");
  const auto index = phantom_.edema.geometry.physical_to_index(frame.cursor_mm);
  const auto expected = phantom_.edema.at(static_cast<std::size_t>(std::lround(index[0])),
                                          static_cast<std::size_t>(std::lround(index[1])),
                                          static_cast<std::size_t>(std::lround(index[2])));
  ASSERT_EQ(expected, 1) << "the test expects the cursor in the edema (z = " << frame.cursor_mm[2] << ")";
  const Png image(png);
  const auto& axial = panel(frame, "axial");
  const auto c = image.mean_around((*axial.cursor_px)[0], (*axial.cursor_px)[1], 1);
  EXPECT_GT(c.r, c.g + 80) << "edema should be red: " << c.r << "," << c.g << "," << c.b;
  EXPECT_GT(c.r, c.b + 80);

  // The left hamstrings have no edema: grey (STIR) under the overlay.
  options.pick_side = core::Side::left;
  options.keys.clear();
  const auto png_left = picture_path(tmp_, "viewer_edema_left.png");
  const auto left = rendering::viewer_screenshot(viewer_input(phantom_), png_left, options);
  const Png image_left(png_left);
  const auto& axial_left = panel(left, "axial");
  const auto g = image_left.mean_around((*axial_left.cursor_px)[0], (*axial_left.cursor_px)[1], 1);
  EXPECT_LT(std::abs(g.r - g.g), 12) << g.r << "," << g.g << "," << g.b;
  EXPECT_LT(std::abs(g.g - g.b), 12) << g.r << "," << g.g << "," << g.b;
}

// The keys drive the same handlers as in the window: metric, series, opacity, screenshot.
TEST_F(ViewerTest, KeysSwitchMetricSeriesOpacityAndSaveScreenshots) {
  rendering::ViewerOptions options;
  options.screenshot_dir = tmp_.path();
  options.keys = {"m"};
  auto frame = rendering::viewer_screenshot(viewer_input(phantom_), tmp_.path() / "k1.png", options);
  EXPECT_EQ(frame.metric, rendering::ViewerMetric::edema_fraction);
  EXPECT_EQ(frame.series, "stir") << "edema is shown over STIR";
  options.keys = {"m", "m", "m", "m"};  // the full cycle: fat -> edema -> grade -> labels -> fat
  frame = rendering::viewer_screenshot(viewer_input(phantom_), tmp_.path() / "k2.png", options);
  EXPECT_EQ(frame.metric, rendering::ViewerMetric::fat_fraction);
  EXPECT_EQ(frame.series, "water");
  options.keys = {"n", "Up", "Up", "s"};
  frame = rendering::viewer_screenshot(viewer_input(phantom_), tmp_.path() / "k3.png", options);
  EXPECT_EQ(frame.series, "stir");
  EXPECT_NEAR(frame.overlay_opacity, 0.7, 1e-9);
  EXPECT_TRUE(fs::exists(tmp_.path() / "myoscope_view_001.png"));
  options.keys = {"Down", "Down", "Down", "Down", "Down", "Down"};
  frame = rendering::viewer_screenshot(viewer_input(phantom_), tmp_.path() / "k4.png", options);
  EXPECT_EQ(frame.overlay_opacity, 0.0);
}

// Same input, same picture: screenshots can be compared across versions.
TEST_F(ViewerTest, ScreenshotIsDeterministic) {
  rendering::ViewerOptions options;
  options.pick_group = "hamstrings";
  (void)rendering::viewer_screenshot(viewer_input(phantom_), tmp_.path() / "a.png", options);
  (void)rendering::viewer_screenshot(viewer_input(phantom_), tmp_.path() / "b.png", options);
  EXPECT_EQ(myo::core::read_text_file(tmp_.path() / "a.png"), myo::core::read_text_file(tmp_.path() / "b.png"));
}

TEST_F(ViewerTest, UnknownSeriesIsAnErrorNamingTheAvailableOnes) {
  rendering::ViewerOptions options;
  options.series = "dwi";
  try {
    (void)rendering::viewer_screenshot(viewer_input(phantom_), tmp_.path() / "x.png", options);
    FAIL() << "expected an error";
  } catch (const core::MyoError& e) {
    EXPECT_NE(std::string(e.what()).find("water, stir, fat_fraction"), std::string::npos) << e.what();
  }
}

// Without an X display the CLI says what to do and exits with the documented code 6, before reading anything.
TEST(ViewerCli, NoDisplayGivesClearMessageAndExitCode6) {
  myo::testing::TempDir tmp("myo-viewer-nodisplay");
  const auto result = run_myoscope("view " + tmp.path().string(), "env -u DISPLAY");
  EXPECT_EQ(result.exit_code, 6) << result.output;
  EXPECT_NE(result.output.find("no X display: run under xvfb-run -a or set DISPLAY"), std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("myoscope render"), std::string::npos) << result.output;
}

}  // namespace
