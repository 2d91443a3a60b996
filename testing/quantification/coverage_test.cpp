// Series consistency (issue #24): which voxels of the reference grid a channel covers, what it misses of each label,
// and what quantify() makes of a label its fat or STIR series covers only in part.
#include <gtest/gtest.h>

#include <cmath>

#include "myo/core/coverage.hpp"
#include "myo/core/muscle_catalog.hpp"
#include "myo/quantification/coverage.hpp"
#include "myo/quantification/quantify.hpp"

using namespace myo;

namespace {

// 40 x 40 x 20 voxels of 2 x 2 x 5 mm, axial, origin at 0.
core::Geometry reference_grid() {
  core::Geometry g;
  g.size = {40, 40, 20};
  g.spacing_mm = {2, 2, 5};
  return g;
}

// The same grid without its top `missing` slices (a series that stops short along z).
core::Geometry without_top_slices(std::size_t missing) {
  auto g = reference_grid();
  g.size[2] -= missing;
  return g;
}

int label_of(const char* group, core::Side side) { return core::MuscleCatalog::instance().find(group)->label(side); }

}  // namespace

TEST(GridCoverage, AFloat32HeaderIsTheSameGrid) {
  auto channel = reference_grid();
  channel.origin_mm[2] += 1e-5;  // what a float32 header keeps of a position
  channel.spacing_mm[0] = static_cast<float>(2.0000001);
  const auto c = core::grid_coverage(channel, reference_grid());
  EXPECT_TRUE(c.same_grid);
  EXPECT_TRUE(c.complete());
  EXPECT_FALSE(c.misses_middle());
}

TEST(GridCoverage, OtherSpacingCoveringEverythingIsComplete) {
  core::Geometry channel;  // 4 x 4 x 10 mm voxels over the same extent (outer voxel edges line up)
  channel.size = {20, 20, 10};
  channel.spacing_mm = {4, 4, 10};
  channel.origin_mm = {1, 1, 2.5};
  const auto c = core::grid_coverage(channel, reference_grid());
  EXPECT_FALSE(c.same_grid);
  EXPECT_TRUE(c.complete()) << c.covered_pct;
}

TEST(GridCoverage, MissingSlicesAreNamedByTheirLevels) {
  const auto c = core::grid_coverage(without_top_slices(4), reference_grid());
  EXPECT_NEAR(c.covered_pct, 80.0, 1e-9);
  ASSERT_TRUE(c.misses_middle());
  EXPECT_NEAR((*c.uncovered_z_mm)[0], 80.0, 1e-9);  // slices 16..19 at 5 mm
  EXPECT_NEAR((*c.uncovered_z_mm)[1], 95.0, 1e-9);
  const auto mask = core::covered_voxels(without_top_slices(4), reference_grid());
  EXPECT_EQ(mask.at(0, 0, 15), 1);
  EXPECT_EQ(mask.at(0, 0, 16), 0);
}

TEST(GridCoverage, AFieldOfViewSmallerOnlyAtItsMarginsMissesNoMiddle) {
  auto channel = reference_grid();  // two voxels less on each in-plane side
  channel.size = {36, 36, 20};
  channel.origin_mm = {4, 4, 0};
  const auto c = core::grid_coverage(channel, reference_grid());
  EXPECT_FALSE(c.complete());
  EXPECT_FALSE(c.misses_middle());
  channel.size = {20, 20, 20};  // a crop to the first half of each axis misses the middle
  channel.origin_mm = {0, 0, 0};
  EXPECT_TRUE(core::grid_coverage(channel, reference_grid()).misses_middle());
}

TEST(LabelCoverage, UncoveredShareAndLevelsPerLabel) {
  core::LabelVolume labels(reference_grid(), 0);
  const int low = 7, high = 9;  // one label in slices 0-9, one in slices 10-19
  for (std::size_t k = 0; k < 20; ++k)
    for (std::size_t j = 10; j < 20; ++j)
      for (std::size_t i = 10; i < 20; ++i) labels.at(i, j, k) = static_cast<std::uint16_t>(k < 10 ? low : high);
  const auto covered = core::covered_voxels(without_top_slices(4), reference_grid());
  const auto c = quantification::label_coverage(labels, covered);
  ASSERT_EQ(c.size(), 2U);
  EXPECT_EQ(c[0].value, low);
  EXPECT_EQ(c[0].uncovered_count, 0U);
  EXPECT_FALSE(c[0].uncovered_z_mm.has_value());
  EXPECT_TRUE(c[0].enough(90.0));
  EXPECT_EQ(c[1].value, high);
  EXPECT_NEAR(c[1].uncovered_pct(), 40.0, 1e-9);
  ASSERT_TRUE(c[1].uncovered_z_mm.has_value());
  EXPECT_NEAR((*c[1].uncovered_z_mm)[0], 80.0, 1e-9);
  EXPECT_NEAR((*c[1].uncovered_z_mm)[1], 95.0, 1e-9);
  EXPECT_FALSE(c[1].enough(90.0));
}

// Before the fix, fat the fat series did not cover read as 0 and the label's mean fell (or the swap correction
// pushed it to ~100 %); the STIR's missing half diluted the edema share.
TEST(LabelCoverage, QuantifyWithholdsNumbersOfLabelsTheSeriesCoversTooLittleOf) {
  const auto g = reference_grid();
  const int lower = label_of("adductors", core::Side::right), upper = label_of("gluteus_medius", core::Side::right);
  core::LabelVolume labels(g, 0);
  core::ImageVolume water(g, 0), fat(g, 0), stir(g, 0);
  for (std::size_t k = 0; k < 20; ++k)
    for (std::size_t j = 10; j < 30; ++j)
      for (std::size_t i = 10; i < 30; ++i) {
        labels.at(i, j, k) = static_cast<std::uint16_t>(k < 10 ? lower : upper);
        water.at(i, j, k) = 800, fat.at(i, j, k) = 200;  // 20 % fat
        stir.at(i, j, k) = j < 15 ? 600.0F : 200.0F;     // a quarter of each label edematous
      }
  // The fat and STIR series stop 4 slices short: they read 0 there, as resampling leaves them.
  const auto covered = core::covered_voxels(without_top_slices(4), g);
  for (std::size_t v = 0; v < covered.voxels.size(); ++v)
    if (!covered.voxels[v]) fat.voxels[v] = 0, stir.voxels[v] = 0;
  quantification::QuantificationInput in;
  in.labels = &labels, in.water = &water, in.fat = &fat, in.stir = &stir;
  in.fat_covered = &covered, in.stir_covered = &covered;
  quantification::QuantificationParams params;
  params.noise_floor_correction = false, params.stir_bias_correction = false, params.edema_fat_correction = false;
  const auto r = quantification::quantify(in, params);
  ASSERT_EQ(r.groups.size(), 2U);
  for (const auto& m : r.groups) {
    if (m.label == lower) {
      ASSERT_TRUE(m.fat_fraction_pct && m.edema_fraction_pct);
      EXPECT_NEAR(*m.fat_fraction_pct, 20.0, 0.1);
      EXPECT_NEAR(*m.edema_fraction_pct, 25.0, 0.1);
    } else {  // 40 % of it uncovered
      EXPECT_FALSE(m.fat_fraction_pct.has_value()) << *m.fat_fraction_pct;
      EXPECT_FALSE(m.fat_replaced_share_pct.has_value());
      EXPECT_FALSE(m.edema_fraction_pct.has_value()) << *m.edema_fraction_pct;
    }
  }
  const auto stats = quantification::label_statistics(labels, &*r.fat_fraction_map_pct, &*r.edema_mask,
                                                      &*r.edema_assessed_mask, r.coverage);
  for (const auto& s : stats) EXPECT_EQ(s.fat_fraction_pct.has_value(), s.value == lower);
}
