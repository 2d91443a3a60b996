// Guards the border clean-up after the watershed (src/borders.hpp): the septum line between two touching groups
// belongs to neither; the fat rim of a thin strap (septum, fat under the fascia) is taken off, while fat inside the
// strap, a fatty-replaced strap and the other groups stay as they are.
#include <gtest/gtest.h>

#include "borders.hpp"

using namespace myo;

namespace {

constexpr std::uint16_t kGracilis = 7;
constexpr std::uint16_t kAdductors = 8;
constexpr std::uint16_t kTfl = 3;
const std::vector<segmentation::detail::StrapRim> kBands{{kGracilis, 0.5}, {17, 0.5}};

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
  segmentation::detail::peel_strap_rims(s.labels, s.fat, kBands, 0.75, 0.35, 3);
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
  segmentation::detail::peel_strap_rims(s.labels, s.fat, kBands, 0.75, 0.35, 3);
  EXPECT_EQ(s.labels.voxels, before);
}

TEST(StrapRims, PeelsNoDeeperThanAskedAndNothingWithZeroPasses) {
  auto s = draw(0.05F);
  auto once = s;
  segmentation::detail::peel_strap_rims(once.labels, once.fat, kBands, 0.75, 0.35, 1);
  EXPECT_EQ(once.labels.at(2, 10, 0), 0);
  EXPECT_EQ(once.labels.at(3, 10, 0), kGracilis);
  const auto before = s.labels.voxels;
  segmentation::detail::peel_strap_rims(s.labels, s.fat, kBands, 0.75, 0.35, 0);
  EXPECT_EQ(s.labels.voxels, before);
}

namespace {

// Two groups side by side on one 20 x 12 slice, touching along x = 9 | 10. The septum between them was drawn in
// the adductors' first column (x = 10) except on rows 8-11, where it lies in the gracilis's last column (x = 9).
struct TwoGroups {
  core::LabelVolume labels;
  core::ImageVolume fat;
};
TwoGroups touching_groups() {
  core::Geometry g;
  g.size = {20, 12, 1};
  g.spacing_mm = {1.5, 1.5, 3};
  TwoGroups s{core::LabelVolume(g, 0), core::ImageVolume(g, 0.1F)};
  for (std::size_t y = 0; y < 12; ++y)
    for (std::size_t x = 2; x < 18; ++x) s.labels.at(x, y, 0) = x < 10 ? kGracilis : kAdductors;
  for (std::size_t y = 0; y < 12; ++y) s.fat.at(y < 8 ? 10 : 9, y, 0) = 0.7F;
  return s;
}

}  // namespace

TEST(SeptumLines, TheFattierVoxelWhereTwoGroupsTouchBelongsToNeither) {
  auto s = touching_groups();
  segmentation::detail::clear_septum_lines(s.labels, s.fat);
  for (std::size_t y = 0; y < 8; ++y) {
    EXPECT_EQ(s.labels.at(9, y, 0), kGracilis) << "row " << y;
    EXPECT_EQ(s.labels.at(10, y, 0), 0) << "row " << y;
  }
  for (std::size_t y = 8; y < 12; ++y) {
    EXPECT_EQ(s.labels.at(9, y, 0), 0) << "row " << y;
    EXPECT_EQ(s.labels.at(10, y, 0), kAdductors) << "row " << y;
  }
  // Only the line goes: the groups' other voxels and their edges against unlabelled tissue stay.
  EXPECT_EQ(s.labels.at(2, 5, 0), kGracilis);
  EXPECT_EQ(s.labels.at(17, 5, 0), kAdductors);
  EXPECT_EQ(s.labels.at(8, 5, 0), kGracilis);
  EXPECT_EQ(s.labels.at(11, 9, 0), kAdductors);
}

TEST(SeptumLines, NoTwoGroupsStayInPlaneNeighbours) {
  auto s = touching_groups();
  s.fat.at(9, 3, 0) = 0.7F;  // equally fat on both sides: one of them still goes
  segmentation::detail::clear_septum_lines(s.labels, s.fat);
  for (std::size_t y = 0; y < 12; ++y)
    for (std::size_t x = 0; x + 1 < 20; ++x) {
      const auto a = s.labels.at(x, y, 0), b = s.labels.at(x + 1, y, 0);
      EXPECT_FALSE(a != 0 && b != 0 && a != b) << "x " << x << " y " << y;
      if (y + 1 < 12) {
        const auto c = s.labels.at(x, y + 1, 0);
        EXPECT_FALSE(a != 0 && c != 0 && a != c) << "x " << x << " y " << y;
      }
    }
}

TEST(StrapRims, ABellyKeepsThePatchyFatOfItsOwnReplacementOnItsEdge) {
  // A TFL-like belly, 12 x 12, mostly muscle with fatty patches (every third column of voxels 0.9 fat-like) that reach
  // its edge, as patchy fatty replacement does; the fat around it is not labelled. By its median the patches on the
  // edge look like rim fat and are peeled; by the 0.9 quantile of its voxels off the edge they are its own.
  core::Geometry g;
  g.size = {16, 16, 1};
  g.spacing_mm = {1.5, 1.5, 3};
  const auto draw_belly = [&] {
    Slice s{core::LabelVolume(g, 0), core::ImageVolume(g, 0.95F)};
    for (std::size_t y = 2; y < 14; ++y)
      for (std::size_t x = 2; x < 14; ++x) {
        s.labels.at(x, y, 0) = kTfl;
        s.fat.at(x, y, 0) = x % 3 == 0 ? 0.9F : 0.05F;
      }
    return s;
  };
  auto as_belly = draw_belly(), as_band = draw_belly();
  const auto before = as_belly.labels.voxels;
  segmentation::detail::peel_strap_rims(as_belly.labels, as_belly.fat, {{kTfl, 0.9}}, 0.6, 0.35, 3);
  EXPECT_EQ(as_belly.labels.voxels, before);
  segmentation::detail::peel_strap_rims(as_band.labels, as_band.fat, {{kTfl, 0.5}}, 0.6, 0.35, 3);
  EXPECT_EQ(as_band.labels.at(3, 2, 0), 0);  // a fatty column's end on the edge: peeled as if rim fat
  EXPECT_EQ(as_band.labels.at(4, 2, 0), kTfl);  // muscle on the edge stays
}
