// The edit operations voxel by voxel on small synthetic label maps with known geometry (LPS mm).
#include <gtest/gtest.h>

#include <cmath>

#include "myo/core/error.hpp"
#include "myo/core/muscle_catalog.hpp"
#include "myo/editing/label_edits.hpp"

namespace core = myo::core;
namespace editing = myo::editing;

namespace {

// 20 x 20 x 10 voxels of 1 x 1 x 2 mm; voxel (i, j, k) at (i, j, 2k) mm.
core::LabelVolume blank() {
  core::Geometry g;
  g.size = {20, 20, 10};
  g.spacing_mm = {1, 1, 2};
  return core::LabelVolume(g, 0);
}

int muscle(std::size_t n) { return core::MuscleCatalog::instance().groups().at(n).label_right; }
// Three muscles of the catalogue.
const int kA = muscle(0);
const int kB = muscle(1);
const int kC = muscle(2);

editing::Edit brush(const core::Vec3& centre, double radius, int label,
                    editing::BrushShape shape = editing::BrushShape::ball) {
  editing::Edit e;
  e.kind = label == 0 ? editing::EditKind::erase : editing::EditKind::brush;
  e.centre_mm = centre, e.radius_mm = radius, e.label = label, e.shape = shape;
  return e;
}

// Paints a filled disc of `label` (in-plane radius in mm) on slice k, centred on voxel (cx, cy).
void disc(core::LabelVolume& v, std::size_t k, double cx, double cy, double radius, int label) {
  for (std::size_t j = 0; j < v.geometry.size[1]; ++j)
    for (std::size_t i = 0; i < v.geometry.size[0]; ++i)
      if (std::hypot(static_cast<double>(i) - cx, static_cast<double>(j) - cy) <= radius)
        v.at(i, j, k) = static_cast<std::uint16_t>(label);
}

std::size_t count(const core::LabelVolume& v, int label) {
  return static_cast<std::size_t>(std::count(v.voxels.begin(), v.voxels.end(), label));
}

}  // namespace

// A ball covers exactly the voxels whose centres lie within the radius, measured in mm (anisotropic voxels).
TEST(LabelEdits, BallBrushCoversVoxelsWithinRadiusInMillimetres) {
  auto v = blank();
  const auto changed = editing::apply_edit(v, brush({10, 10, 10}, 3, kA), "log.json");
  std::size_t expected = 0;
  for (std::size_t k = 0; k < 10; ++k)
    for (std::size_t j = 0; j < 20; ++j)
      for (std::size_t i = 0; i < 20; ++i) {
        const auto p = v.geometry.index_to_physical({double(i), double(j), double(k)});
        const bool inside = std::hypot(p[0] - 10, p[1] - 10, p[2] - 10) <= 3;
        expected += inside;
        EXPECT_EQ(v.at(i, j, k), inside ? kA : 0) << i << "," << j << "," << k;
      }
  EXPECT_EQ(changed, expected);
  EXPECT_EQ(v.at(13, 10, 5), kA);  // 3 mm to the left
  EXPECT_EQ(v.at(10, 10, 6), kA);  // one slice (2 mm) up
  EXPECT_EQ(v.at(10, 10, 7), 0);  // two slices (4 mm) up
  // Painting the same ball again changes nothing.
  EXPECT_EQ(editing::apply_edit(v, brush({10, 10, 10}, 3, kA), "log.json"), 0U);
}

TEST(LabelEdits, DiscBrushStaysOnTheSliceThroughTheCentre) {
  auto v = blank();
  editing::apply_edit(v, brush({10, 10, 10.6}, 3, kA, editing::BrushShape::disc), "log.json");
  EXPECT_EQ(count(v, kA), 29U);  // lattice points within radius 3 of the centre, in plane
  for (std::size_t k = 0; k < 10; ++k)
    if (k != 5) {
      for (std::size_t j = 0; j < 20; ++j)
        for (std::size_t i = 0; i < 20; ++i) ASSERT_EQ(v.at(i, j, k), 0);
    }
}

// Positions are patient coordinates: kA grid whose first axis runs towards the patient's right (-x) is honoured.
TEST(LabelEdits, PositionsGoThroughTheGeometry) {
  auto v = blank();
  v.geometry.origin_mm = {100, -50, 30};
  v.geometry.direction = {-1, 0, 0, 0, 1, 0, 0, 0, 1};
  editing::apply_edit(v, brush({95, -42, 34}, 0.5, kA), "log.json");
  EXPECT_EQ(count(v, kA), 1U);
  EXPECT_EQ(v.at(5, 8, 2), kA);
  EXPECT_THROW(editing::apply_edit(v, brush({200, 0, 0}, 5, kA), "log.json"), core::MyoError);
}

TEST(LabelEdits, EraseClearsEveryLabelInTheBall) {
  auto v = blank();
  disc(v, 5, 10, 10, 8, kA);
  disc(v, 5, 10, 10, 2, kB);
  const auto before = count(v, kA);
  const auto changed = editing::apply_edit(v, brush({10, 10, 10}, 4, 0), "log.json");
  EXPECT_EQ(count(v, kB), 0U);
  EXPECT_EQ(v.at(10, 10, 5), 0);
  EXPECT_EQ(v.at(15, 10, 5), kA);  // 5 mm away: kept
  EXPECT_EQ(changed, before + 13 - count(v, kA));  // 13 voxels of kB within 2 voxels
}

TEST(LabelEdits, ReassignWithinABallOrTheWholeVolume) {
  auto v = blank();
  disc(v, 2, 10, 10, 5, kA);
  disc(v, 7, 10, 10, 5, kA);
  disc(v, 7, 3, 3, 1, kC);
  editing::Edit e;
  e.kind = editing::EditKind::reassign;
  e.from_label = kA, e.to_label = kB, e.centre_mm = core::Vec3{10, 10, 4}, e.radius_mm = 3;
  const auto per_slice = count(v, kA) / 2;
  EXPECT_GT(editing::apply_edit(v, e, "log.json"), 0U);
  EXPECT_EQ(v.at(10, 10, 2), kB);
  EXPECT_EQ(v.at(14, 10, 2), kA);  // 4 mm from the centre
  EXPECT_EQ(v.at(10, 10, 7), kA);  // another slice, far from the ball
  e.centre_mm.reset();
  editing::apply_edit(v, e, "log.json");
  EXPECT_EQ(count(v, kA), 0U);
  EXPECT_EQ(count(v, kB), 2 * per_slice);
  EXPECT_EQ(v.at(3, 3, 7), kC);  // other labels untouched
}

TEST(LabelEdits, FillFillsTheEnclosedBackgroundOnTheSeedsSlice) {
  auto v = blank();
  disc(v, 4, 10, 10, 6, kA);
  disc(v, 4, 10, 10, 4, 0);  // kA ring: hole of radius 4 voxels
  const auto hole = std::size_t{49};  // lattice points within radius 4
  editing::Edit e;
  e.kind = editing::EditKind::fill;
  e.label = kA, e.centre_mm = core::Vec3{10, 10, 8};
  EXPECT_EQ(editing::apply_edit(v, e, "log.json"), hole);
  EXPECT_EQ(v.at(10, 10, 4), kA);
  EXPECT_EQ(v.at(10, 10, 3), 0);   // other slices untouched
  EXPECT_EQ(v.at(0, 0, 4), 0);     // outside the ring untouched
  // A seed in the open background, or in kA label, is refused.
  e.centre_mm = core::Vec3{1, 1, 8};
  EXPECT_THROW(editing::apply_edit(v, e, "log.json"), core::MyoError);
  e.centre_mm = core::Vec3{10, 10, 8};
  EXPECT_THROW(editing::apply_edit(v, e, "log.json"), core::MyoError);
}

// Shape-based interpolation: discs of radius 2 and 6 voxels on slices 1 and 5 give radius 4 on slice 3.
TEST(LabelEdits, InterpolateBlendsTheOutlinesOfTheEndSlices) {
  auto v = blank();
  disc(v, 1, 10, 10, 2, kA);
  disc(v, 5, 10, 10, 6, kA);
  v.at(10, 10, 3) = static_cast<std::uint16_t>(kB);  // another muscle in the way is kept
  v.at(1, 1, 3) = static_cast<std::uint16_t>(kA);    // kA stray voxel of the label outside the shape is cleared
  editing::Edit e;
  e.kind = editing::EditKind::interpolate;
  e.label = kA, e.from_mm = {0, 0, 2}, e.to_mm = {0, 0, 10};
  EXPECT_GT(editing::apply_edit(v, e, "log.json"), 0U);
  EXPECT_EQ(v.at(10, 10, 3), kB);
  EXPECT_EQ(v.at(1, 1, 3), 0);
  EXPECT_EQ(v.at(13, 10, 3), kA);  // 3 voxels from the centre
  EXPECT_EQ(v.at(10, 13, 3), kA);
  EXPECT_EQ(v.at(15, 10, 3), 0);  // 5 voxels
  EXPECT_EQ(v.at(12, 10, 2), kA);  // slice 2: radius about 3
  EXPECT_EQ(v.at(15, 10, 4), kA);  // slice 4: radius about 5
  EXPECT_EQ(v.at(16, 10, 4), 0);
  EXPECT_EQ(v.at(10, 10, 0), 0);  // outside the two slices: untouched
  // An end slice without the label cannot be interpolated from.
  e.to_mm = {0, 0, 16};
  EXPECT_THROW(editing::apply_edit(v, e, "log.json"), core::MyoError);
}

TEST(LabelEdits, AFailingEditIsNamedByItsIndex) {
  auto v = blank();
  editing::EditLog log;
  log.edits = {brush({10, 10, 10}, 2, muscle(0)), brush({500, 10, 10}, 2, muscle(0))};
  try {
    editing::apply_edits(v, log, "edits.json");
    FAIL() << "an edit outside the map was applied";
  } catch (const core::MyoError& e) {
    EXPECT_EQ(e.error().subject, "edits.json");
    EXPECT_NE(e.error().message.find("edit 1 (brush)"), std::string::npos) << e.what();
  }
}
