// The viewer's slice images composed without VTK or a display: window/level, the metric overlay, the group outlines
// and the change metric's colours, from plain buffers and from small volumes built here.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "colormap.hpp"
#include "myo/core/muscle_catalog.hpp"
#include "slice_compose.hpp"

namespace {

using myo::core::Vec3;
using namespace myo::rendering;
using namespace myo::rendering::detail;

Rgb pixel(const std::vector<std::uint8_t>& rgb, const SliceSamples& s, int u, int v) {
  const auto i = 3 * (static_cast<std::size_t>(v) * static_cast<std::size_t>(s.width) + static_cast<std::size_t>(u));
  return {rgb[i], rgb[i + 1], rgb[i + 2]};
}

// A width x height slice with every background value `value`, no labels and no overlay.
SliceSamples blank(int width, int height, double value) {
  SliceSamples s;
  s.width = width;
  s.height = height;
  const auto n = static_cast<std::size_t>(width) * static_cast<std::size_t>(height);
  s.background.assign(n, value);
  s.labels.assign(n, 0);
  s.overlay.assign(n, std::nullopt);
  return s;
}

Rgb group_rgb(const myo::core::MuscleGroup& g) {
  return {static_cast<std::uint8_t>(g.color_rgb[0]), static_cast<std::uint8_t>(g.color_rgb[1]),
          static_cast<std::uint8_t>(g.color_rgb[2])};
}

TEST(SliceCompose, WindowLevelMapsTheWindowOntoBlackToWhite) {
  EXPECT_EQ(window_grey(100.0, 100, 300), 0);
  EXPECT_EQ(window_grey(300.0, 100, 300), 255);
  EXPECT_EQ(window_grey(200.0, 100, 300), 128);  // 127.5 rounds up
  EXPECT_EQ(window_grey(50.0, 100, 300), 0);     // below the window: black
  EXPECT_EQ(window_grey(900.0, 100, 300), 255);  // above: white
  EXPECT_EQ(window_grey(std::nullopt, 100, 300), 0);  // outside the volume: black
  EXPECT_EQ(window_grey(5.0, 5, 5), 0);  // an empty window does not divide by zero
}

TEST(SliceCompose, UnlabelledPixelsAreGreyWhateverTheOverlay) {
  auto s = blank(3, 2, 150);
  s.overlay[0] = Rgb{255, 0, 0};  // an overlay colour without a label is not shown
  const auto rgb = compose_slice(s, {100, 200, 1.0, true});
  for (int v = 0; v < 2; ++v)
    for (int u = 0; u < 3; ++u) EXPECT_EQ(pixel(rgb, s, u, v), (Rgb{128, 128, 128})) << u << "," << v;
}

TEST(SliceCompose, OverlayIsMixedAtTheOpacityOverLabelledPixels) {
  const int label = myo::core::MuscleCatalog::instance().groups().front().label_right;
  auto s = blank(1, 1, 0);  // black background
  s.labels[0] = label;
  s.overlay[0] = Rgb{200, 100, 50};
  EXPECT_EQ(pixel(compose_slice(s, {0, 1, 0.5, false}), s, 0, 0), (Rgb{100, 50, 25}));
  EXPECT_EQ(pixel(compose_slice(s, {0, 1, 1.0, false}), s, 0, 0), (Rgb{200, 100, 50}));
  EXPECT_EQ(pixel(compose_slice(s, {0, 1, 0.0, false}), s, 0, 0), (Rgb{0, 0, 0}));
}

// A 5 x 5 block of one group in a 7 x 7 slice: its border pixels take the group's catalogue colour, its interior
// keeps the overlay; with outlines off nothing is outlined.
TEST(SliceCompose, OutlinesTraceTheGroupBorderInItsCatalogueColour) {
  const auto& group = myo::core::MuscleCatalog::instance().groups().front();
  auto s = blank(7, 7, 0);
  for (int v = 1; v <= 5; ++v)
    for (int u = 1; u <= 5; ++u) {
      s.labels[static_cast<std::size_t>(v * 7 + u)] = group.label_right;
      s.overlay[static_cast<std::size_t>(v * 7 + u)] = Rgb{0, 0, 250};
    }
  const auto rgb = compose_slice(s, {0, 1, 1.0, true});
  EXPECT_EQ(pixel(rgb, s, 1, 1), group_rgb(group));  // corner of the block
  EXPECT_EQ(pixel(rgb, s, 3, 5), group_rgb(group));  // top edge
  EXPECT_EQ(pixel(rgb, s, 3, 3), (Rgb{0, 0, 250}));  // interior: the overlay
  EXPECT_EQ(pixel(rgb, s, 0, 0), (Rgb{0, 0, 0}));    // outside: background
  EXPECT_EQ(pixel(compose_slice(s, {0, 1, 1.0, false}), s, 1, 1), (Rgb{0, 0, 250}));
}

TEST(SliceCompose, ALabelAtTheImageEdgeIsOutlinedThereAndUnknownLabelsInWhite) {
  auto s = blank(2, 1, 0);
  s.labels = {60000, 60000};  // not a catalogue label; both pixels touch the image edge
  const auto rgb = compose_slice(s, {0, 1, 0.5, true});
  EXPECT_EQ(pixel(rgb, s, 0, 0), kWhite);
  EXPECT_EQ(pixel(rgb, s, 1, 0), kWhite);
}

// The change colours: blue for a decrease, red for an increase, white within the repeatability limits.
TEST(SliceCompose, GroupChangeColoursFollowTheDirectionAndTheLimits) {
  ViewerChange change;
  change.fat_fraction_range_points = 10;
  change.edema_fraction_range_points = 30;
  ViewerGroupChange g;
  g.fat_fraction_points = 8;
  g.fat_fraction_beyond_limits = true;
  g.edema_fraction_points = -30;
  g.edema_fraction_beyond_limits = true;
  const auto fat = group_change_colour(change, g, ChangeMetric::fat);
  const auto edema = group_change_colour(change, g, ChangeMetric::edema);
  ASSERT_TRUE(fat && edema);
  EXPECT_GT(fat->r, fat->b);      // increase: red
  EXPECT_GT(edema->b, edema->r);  // decrease: blue
  EXPECT_EQ(*edema, diverging(-1));
  g.fat_fraction_beyond_limits = false;
  EXPECT_EQ(group_change_colour(change, g, ChangeMetric::fat), kNeutralChange);
  g.fat_fraction_points.reset();
  EXPECT_FALSE(group_change_colour(change, g, ChangeMetric::fat).has_value());
}

// A 3 x 1 x 1 volume sampled along an axial view: series values, labels, and the change_fat overlay from the voxel
// difference map (+10 points red, -10 blue, NaN none).
TEST(SliceCompose, SamplesTheVolumesOnTheViewGrid) {
  myo::core::Geometry geometry;
  geometry.size = {3, 1, 1};
  myo::core::ImageVolume series(geometry, 0);
  series.voxels = {10, 20, 30};
  const int label = myo::core::MuscleCatalog::instance().groups().front().label_left;
  myo::core::LabelVolume labels(geometry, static_cast<std::uint16_t>(label));
  myo::core::ImageVolume difference(geometry, 0);
  difference.voxels = {10, -10, std::numeric_limits<float>::quiet_NaN()};
  ViewerChange change;
  change.fat_fraction_points = &difference;
  change.fat_fraction_range_points = 10;
  SliceSources sources;
  sources.series = &series;
  sources.labels = &labels;
  sources.metric = ViewerMetric::change_fat;
  sources.change = &change;
  SliceGrid grid;
  grid.right = {1, 0, 0};
  grid.up = {0, -1, 0};
  grid.width = 3;
  grid.height = 1;
  const auto s = sample_slice(grid, 0, sources);
  ASSERT_EQ(s.labels.size(), 3U);
  EXPECT_EQ(s.labels[1], label);
  EXPECT_NEAR(*s.background[2], 30, 1e-9);
  EXPECT_EQ(s.overlay[0], diverging(1));
  EXPECT_EQ(s.overlay[1], diverging(-1));
  EXPECT_FALSE(s.overlay[2].has_value());
  EXPECT_EQ(voxel_change_colour(change, {0, 0, 0}), diverging(1));
  EXPECT_FALSE(voxel_change_colour(change, {9, 0, 0}).has_value());  // outside the map
}

}  // namespace
