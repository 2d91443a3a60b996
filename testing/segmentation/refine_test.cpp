#include <gtest/gtest.h>

#include <cmath>

#include "myo/core/error.hpp"
#include "myo/segmentation/refine.hpp"

using namespace myo;

namespace {
core::Geometry strip(std::size_t nx, std::size_t ny) {
  core::Geometry g;
  g.size = {nx, ny, 1};
  g.spacing_mm = {1.0, 1.0, 3.0};
  return g;
}
}  // namespace

// Two muscles side by side with a fat septum off-centre between their markers: the refinement puts the border on
// the septum, where nearest-marker labelling (the same flood over a flat relief) puts it halfway between the markers.
TEST(Refinement, BorderSettlesOnTheSeptumNotHalfwayBetweenMarkers) {
  const auto g = strip(40, 12);
  core::ImageVolume relief(g, 0.05F);
  core::MaskVolume region(g, 1);
  core::LabelVolume markers(g, 0);
  for (std::size_t y = 0; y < 12; ++y) {
    relief.at(26, y, 0) = 0.9F;  // the septum: one column of fat
    for (std::size_t x = 2; x <= 4; ++x) markers.at(x, y, 0) = 7;
    for (std::size_t x = 35; x <= 37; ++x) markers.at(x, y, 0) = 9;
  }
  const auto ours = segmentation::refine_markers_over_septa(relief, region, markers, {0.0});
  const auto flat = segmentation::refine_markers_over_septa(core::ImageVolume(g, 0.0F), region, markers, {0.0});
  for (std::size_t y = 0; y < 12; ++y) {
    for (std::size_t x = 0; x < 26; ++x) EXPECT_EQ(ours.at(x, y, 0), 7) << x << "," << y;
    for (std::size_t x = 27; x < 40; ++x) EXPECT_EQ(ours.at(x, y, 0), 9) << x << "," << y;
    EXPECT_EQ(flat.at(22, y, 0), 9);  // halfway (19.5) between the markers, not on the septum
  }
  // The light blur (the product's 1 mm) keeps a one-voxel septum a barrier.
  const auto blurred = segmentation::refine_markers_over_septa(relief, region, markers, {1.0});
  for (std::size_t y = 0; y < 12; ++y) {
    EXPECT_EQ(blurred.at(24, y, 0), 7);
    EXPECT_EQ(blurred.at(28, y, 0), 9);
  }
}

// Two muscle bellies joined by a neck with no septum in it (a septum that fades out before the fascia): the relief
// rises towards every septum and wall, so each belly is flooded from its own seed before a neighbour crosses the
// neck. Over the image relief alone the large neighbour's flood arrives first and takes the near edge of the small belly.
TEST(Refinement, BellyJoinedByANeckWithoutSeptumStaysWithItsOwnSeed) {
  const auto g = strip(44, 21);
  core::ImageVolume relief(g, 0.05F);
  core::MaskVolume region(g, 0);
  core::LabelVolume markers(g, 0);
  for (std::size_t y = 0; y < 21; ++y)
    for (std::size_t x = 0; x < 44; ++x) {
      const double ya = static_cast<double>(y) - 10.0;
      const double in_a = std::hypot(static_cast<double>(x) - 10.0, ya), in_b = std::hypot(static_cast<double>(x) - 34.0, ya);
      const bool neck = x >= 17 && x <= 27 && std::abs(ya) <= 1.0;
      region.at(x, y, 0) = in_a <= 8.0 || in_b <= 8.0 || neck ? 1 : 0;
      if (in_b <= 8.0) markers.at(x, y, 0) = 9;  // the large neighbour: seeded throughout
    }
  markers.at(3, 10, 0) = 7;  // the strap: one seed voxel at its far edge
  const auto with_depth = segmentation::refine_markers_over_septa(relief, region, markers, {0.0});
  segmentation::RefinementParams image_only{0.0};
  image_only.border_depth_weight = 0.0;
  const auto without = segmentation::refine_markers_over_septa(relief, region, markers, image_only);
  for (std::size_t x = 3; x <= 15; ++x) EXPECT_EQ(with_depth.at(x, 10, 0), 7) << x;
  EXPECT_EQ(with_depth.at(34, 10, 0), 9);
  EXPECT_EQ(without.at(16, 10, 0), 9);  // the neighbour's flood, through the neck, inside the small belly
}

// Outside the region is a wall: a region with no marker of its own is flooded last, and only through the wall.
TEST(Refinement, RegionOutsideIsAWallAndGridsMustMatch) {
  const auto g = strip(20, 5);
  core::ImageVolume relief(g, 0.1F);
  core::MaskVolume region(g, 1);
  core::LabelVolume markers(g, 0);
  for (std::size_t y = 0; y < 5; ++y) {
    region.at(10, y, 0) = 0;
    markers.at(0, y, 0) = 3;
    markers.at(19, y, 0) = 4;
  }
  const auto out = segmentation::refine_markers_over_septa(relief, region, markers, {0.0});
  EXPECT_EQ(out.at(9, 2, 0), 3);
  EXPECT_EQ(out.at(11, 2, 0), 4);
  EXPECT_THROW((void)segmentation::refine_markers_over_septa(relief, region, core::LabelVolume(strip(20, 6), 0)),
               core::MyoError);
}

// Single-contrast fat-likeness: on a water image fat is the dark class, on T1 the bright one; muscle maps to 0 and
// fat to 1 either way, and outside the body is 1 (never muscle).
TEST(Refinement, SingleContrastFatLikenessForWaterAndT1Images) {
  const auto g = strip(30, 10);
  core::ImageVolume water(g, 0.0F), t1(g, 0.0F);
  core::MaskVolume body(g, 0);
  for (std::size_t y = 0; y < 10; ++y)
    for (std::size_t x = 0; x < 25; ++x) {
      body.at(x, y, 0) = 1;
      const bool fat = x < 8;
      water.at(x, y, 0) = fat ? 12.0F + static_cast<float>((x + y) % 3) : 100.0F + static_cast<float>((x * y) % 5);
      t1.at(x, y, 0) = fat ? 300.0F + static_cast<float>((x + y) % 3) : 90.0F + static_cast<float>((x * y) % 5);
    }
  const auto from_water = segmentation::fat_likeness_single_contrast(water, body, segmentation::FatSignal::dark);
  const auto from_t1 = segmentation::fat_likeness_single_contrast(t1, body, segmentation::FatSignal::bright);
  for (const auto* f : {&from_water, &from_t1}) {
    EXPECT_GT(f->at(3, 5, 0), 0.9F);
    EXPECT_LT(f->at(15, 5, 0), 0.1F);
    EXPECT_EQ(f->at(28, 5, 0), 1.0F);
  }
  // Read with the wrong polarity, the water image's muscle would be the fat: the polarity matters.
  const auto wrong = segmentation::fat_likeness_single_contrast(water, body, segmentation::FatSignal::bright);
  EXPECT_GT(wrong.at(15, 5, 0), 0.9F);
}
