// Guards the strap clean-up after the watershed (src/strap_rims.hpp): the fat rim of a thin strap (septum, fat under
// the fascia) is taken off, while fat inside the strap, a fatty-replaced strap and the other groups stay as they are.
#include <gtest/gtest.h>

#include "strap_rims.hpp"

using namespace myo;

namespace {

constexpr std::uint16_t kGracilis = 7;
constexpr std::uint16_t kAdductors = 8;

struct Slice {
  core::LabelVolume labels;
  core::ImageVolume fat;
};

// One slice, 32 x 24: a gracilis band at x 2..13 (fat rim of two voxels all round, muscle inside with one fatty
// voxel in its middle) and an adductor block at x 18..29 with the same fat rim.
Slice draw(float strap_muscle_fat) {
  core::Geometry g;
  g.size = {32, 24, 1};
  g.spacing_mm = {1.5, 1.5, 3};
  Slice s{core::LabelVolume(g, 0), core::ImageVolume(g, 0.95F)};
  for (std::size_t y = 2; y < 22; ++y)
    for (std::size_t x = 2; x < 30; ++x) {
      if (x >= 14 && x < 18) continue;
      const bool strap = x < 14;
      const std::size_t x0 = strap ? 2 : 18, x1 = strap ? 13 : 29;
      const bool rim = x < x0 + 2 || x > x1 - 2 || y < 4 || y > 19;
      s.labels.at(x, y, 0) = strap ? kGracilis : kAdductors;
      s.fat.at(x, y, 0) = rim ? 0.9F : (strap ? strap_muscle_fat : 0.05F);
    }
  s.fat.at(6, 10, 0) = 0.9F;  // a fat streak inside the strap
  return s;
}

}  // namespace

TEST(StrapRims, PeelsTheFatRimOfAStrapButNotFatInsideIt) {
  auto s = draw(0.05F);
  segmentation::detail::peel_strap_rims(s.labels, s.fat, {kGracilis, 17}, 0.75, 0.35, 3);
  EXPECT_EQ(s.labels.at(2, 10, 0), 0);           // outer rim layer
  EXPECT_EQ(s.labels.at(3, 10, 0), 0);           // second rim layer
  EXPECT_EQ(s.labels.at(6, 2, 0), 0);
  EXPECT_EQ(s.labels.at(4, 10, 0), kGracilis);   // muscle
  EXPECT_EQ(s.labels.at(6, 10, 0), kGracilis);   // fat enclosed by the strap's muscle is not its edge
  EXPECT_EQ(s.labels.at(18, 10, 0), kAdductors);  // other groups keep their rim
}

TEST(StrapRims, KeepsAFattyReplacedStrap) {
  // End-stage strap (70 % fat): its rim is not distinctly fattier than the strap itself, so nothing is peeled.
  auto s = draw(0.70F);
  const auto before = s.labels.voxels;
  segmentation::detail::peel_strap_rims(s.labels, s.fat, {kGracilis, 17}, 0.75, 0.35, 3);
  EXPECT_EQ(s.labels.voxels, before);
}

TEST(StrapRims, PeelsNoDeeperThanAskedAndNothingWithZeroPasses) {
  auto s = draw(0.05F);
  auto once = s;
  segmentation::detail::peel_strap_rims(once.labels, once.fat, {kGracilis}, 0.75, 0.35, 1);
  EXPECT_EQ(once.labels.at(2, 10, 0), 0);
  EXPECT_EQ(once.labels.at(3, 10, 0), kGracilis);
  const auto before = s.labels.voxels;
  segmentation::detail::peel_strap_rims(s.labels, s.fat, {kGracilis}, 0.75, 0.35, 0);
  EXPECT_EQ(s.labels.voxels, before);
}
