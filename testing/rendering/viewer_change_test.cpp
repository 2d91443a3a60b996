// The viewer's change metrics (`view --previous`) on the synthetic two-thigh phantom: a group whose change is beyond
// the repeatability limits is coloured by the diverging map, one within them is neutral (white), on the slices and
// in the pick text; the voxel difference map is painted where it is given. Needs an X display (`xvfb-run -a`).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>

#include "myo/rendering/scene_export.hpp"
#include "myo/rendering/viewer.hpp"
#include "myo/testing/test_support.hpp"
#include "myo/testing/thigh_phantom.hpp"
#include "png_probe.hpp"
#include "viewer_probe.hpp"

using namespace myo;

namespace {

using myo::testing::Png;
using myo::testing::Rgb;

using myo::testing::panel;
using myo::testing::picture_path;


bool neutral(const Rgb& c) { return c.r > 235 && c.g > 235 && c.b > 235; }

class ViewerChangeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!rendering::display_available()) GTEST_SKIP() << "no X display: run under `xvfb-run -a ctest -L render`";
    input_.labels = &phantom_.labels;
    input_.series = {{"water", &phantom_.anatomy}, {"stir", &phantom_.stir}};
    input_.fat_fraction_pct = &phantom_.fat_fraction_pct;
    input_.measurements = phantom_.measurements;
    input_.title = "phantom";
    // Right quadriceps: fat +6 points (beyond the 2-point limit), edema -1 (within); left quadriceps: fat +1
    // (within), edema -20 (beyond).
    rendering::ViewerChange change;
    change.groups = {{"quadriceps", core::Side::right, 6.0, -1.0, true, false},
                     {"quadriceps", core::Side::left, 1.0, -20.0, false, true}};
    change.legend = "change since 2026-01-01, 6 months";
    change.slice_note = "slices show the change per muscle: no registration in this test";
    input_.change = change;
  }
  // The colour at the picked quadriceps on the axial view, overlay opaque and outlines off.
  Rgb colour_at_quadriceps(rendering::ViewerMetric metric, core::Side side, const std::string& name,
                           std::string* pick_text = nullptr) {
    rendering::ViewerOptions options;
    options.metric = metric;
    options.overlay_opacity = 1.0;
    options.pick_group = "quadriceps";
    options.pick_side = side;
    options.keys = {"o"};
    const auto png = picture_path(tmp_, name);
    const auto frame = rendering::viewer_screenshot(input_, png, options);
    EXPECT_EQ(frame.metric, metric);
    if (pick_text) *pick_text = frame.pick_text;
    const auto& axial = panel(frame, "axial");
    return Png(png).mean_around((*axial.cursor_px)[0], (*axial.cursor_px)[1], 1);
  }
  myo::testing::ThighPhantom phantom_ = myo::testing::make_thigh_phantom();
  myo::testing::TempDir tmp_{"myo-viewer-change"};
  rendering::ViewerInput input_;
};

TEST_F(ViewerChangeTest, BeyondTheLimitsIsColouredWithinIsNeutral) {
  std::string text;
  const auto fat_right = colour_at_quadriceps(rendering::ViewerMetric::change_fat, core::Side::right, "cf_r.png", &text);
  EXPECT_FALSE(neutral(fat_right)) << fat_right.r << "," << fat_right.g << "," << fat_right.b;
  EXPECT_GT(fat_right.r, fat_right.b + 40) << "an increase is red";
  EXPECT_NE(text.find("change since 2026-01-01, 6 months: fat fraction +6.0 points (beyond repeatability)"),
            std::string::npos)
      << text;
  const auto fat_left = colour_at_quadriceps(rendering::ViewerMetric::change_fat, core::Side::left, "cf_l.png");
  EXPECT_TRUE(neutral(fat_left)) << fat_left.r << "," << fat_left.g << "," << fat_left.b;

  const auto edema_left = colour_at_quadriceps(rendering::ViewerMetric::change_edema, core::Side::left, "ce_l.png");
  EXPECT_FALSE(neutral(edema_left)) << edema_left.r << "," << edema_left.g << "," << edema_left.b;
  EXPECT_GT(edema_left.b, edema_left.r + 40) << "a decrease is blue";
  const auto edema_right = colour_at_quadriceps(rendering::ViewerMetric::change_edema, core::Side::right, "ce_r.png");
  EXPECT_TRUE(neutral(edema_right)) << edema_right.r << "," << edema_right.g << "," << edema_right.b;
}

TEST_F(ViewerChangeTest, SlicesShowTheVoxelDifferenceMapWhenGiven) {
  // A map of -8 points everywhere: the right quadriceps (+6 per muscle) reads blue on the slices, as its voxels say.
  const core::ImageVolume map(phantom_.labels.geometry, -8.0F);
  input_.change->fat_fraction_points = &map;
  const auto c = colour_at_quadriceps(rendering::ViewerMetric::change_fat, core::Side::right, "cf_map.png");
  EXPECT_GT(c.b, c.r + 40) << c.r << "," << c.g << "," << c.b;
}

TEST_F(ViewerChangeTest, ChangeMetricsNeedAPreviousVisit) {
  // Without one the viewer falls back to the muscle groups rather than showing a blank change.
  input_.change.reset();
  rendering::ViewerOptions options;
  options.metric = rendering::ViewerMetric::change_fat;
  const auto frame = rendering::viewer_screenshot(input_, tmp_.path() / "none.png", options);
  EXPECT_EQ(frame.metric, rendering::ViewerMetric::labels);
}

// report.html's 3D map (scene.glb) with `analyze --previous`: the change metrics' colours and legends. No display.
TEST(SceneChange, GlbCarriesTheChangeColoursAndLegends) {
  auto phantom = myo::testing::make_thigh_phantom();
  rendering::ViewerChange change;
  change.groups = {{"quadriceps", core::Side::right, 6.0, -1.0, true, false},
                   {"quadriceps", core::Side::left, 1.0, -20.0, false, true}};
  change.legend = "change since 2026-01-01, 6 months";
  auto input = phantom.input();
  input.change = &change;
  myo::testing::TempDir dir("myo-scene-change");
  const auto glb_path = rendering::export_scene(input, dir.path() / "scene.glb", {}).glb;
  std::ifstream in(glb_path, std::ios::binary);
  const std::string glb((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GE(glb.size(), 20U);
  std::size_t length = 0;  // of the JSON chunk, little-endian at byte 12
  for (std::size_t b = 0; b < 4; ++b) length |= static_cast<std::size_t>(static_cast<unsigned char>(glb[12 + b])) << (8 * b);
  const auto doc = nlohmann::json::parse(glb.substr(20, length));
  const auto& legends = doc.at("extras").at("legends");
  ASSERT_TRUE(legends.contains("change_fat"));
  EXPECT_EQ(legends.at("change_fat").at("note"), "change since 2026-01-01, 6 months");
  EXPECT_EQ(legends.at("change_edema").at("low"), -30.0);
  std::map<std::string, nlohmann::json> colours;
  for (const auto& mesh : doc.at("meshes")) colours[mesh.at("name")] = mesh.at("extras").at("display_colors");
  const std::string neutral = legends.at("change_fat").at("neutral");
  EXPECT_NE(colours.at("quadriceps_right").at("change_fat"), neutral);
  EXPECT_EQ(colours.at("quadriceps_left").at("change_fat"), neutral);
  EXPECT_EQ(colours.at("quadriceps_right").at("change_edema"), neutral);
  EXPECT_NE(colours.at("quadriceps_left").at("change_edema"), neutral);
  EXPECT_EQ(colours.at("hamstrings_right").at("change_fat"), legends.at("change_fat").at("no_value"));
}

}  // namespace
