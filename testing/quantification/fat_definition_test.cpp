// One definition per number (issue #20): fat_fraction_pct is the mean over every voxel of a label, for the groups,
// the single muscles and the input labels alike; the interior mean is its own figure, fat_fraction_interior_pct.
// Guards the report that gave the sartorius 16.3 % as an input label and 13.6 % as a group (interior only).
#include <gtest/gtest.h>

#include "myo/core/muscle_catalog.hpp"
#include "myo/quantification/quantify.hpp"

using namespace myo;

namespace {

// A 12 x 12 voxel muscle (right sartorius) in every slice: 5 % fat inside, 45 % on its one-voxel border ring (the
// partial volume a real border has), noise-free magnitudes.
struct Strap {
  core::LabelVolume labels;
  core::ImageVolume water, fat;
  double whole_mean_pct = 0, interior_mean_pct = 0;
};

Strap make_strap() {
  core::Geometry g;
  g.size = {30, 30, 6};
  g.spacing_mm = {1.5, 1.5, 4};
  Strap s{core::LabelVolume(g, 0), core::ImageVolume(g, 0.0F), core::ImageVolume(g, 0.0F)};
  const auto label = static_cast<std::uint16_t>(core::MuscleCatalog::instance().find("sartorius")->label_right);
  double sum = 0, interior_sum = 0;
  std::size_t count = 0, interior_count = 0;
  for (std::size_t k = 0; k < 6; ++k)
    for (std::size_t j = 9; j < 21; ++j)
      for (std::size_t i = 9; i < 21; ++i) {
        const std::size_t v = g.linear_index(i, j, k);
        const bool border = i == 9 || i == 20 || j == 9 || j == 20;
        const double ff = border ? 0.45 : 0.05;
        s.labels.voxels[v] = label;
        s.water.voxels[v] = static_cast<float>(1000 * (1 - ff));
        s.fat.voxels[v] = static_cast<float>(1000 * ff);
        sum += 100 * ff, ++count;
        if (!border) interior_sum += 100 * ff, ++interior_count;
      }
  s.whole_mean_pct = sum / static_cast<double>(count);
  s.interior_mean_pct = interior_sum / static_cast<double>(interior_count);
  return s;
}

quantification::QuantificationParams plain() {
  quantification::QuantificationParams p;
  p.noise_floor_correction = false;  // noise-free images: F/(W+F) exactly
  p.correct_swaps = false;
  return p;
}

}  // namespace

TEST(FatDefinition, GroupFatFractionIsTheMeanOverTheWholeLabel) {
  const auto s = make_strap();
  const auto r = quantification::quantify({&s.labels, &s.water, &s.fat, nullptr, nullptr}, plain());
  ASSERT_EQ(r.groups.size(), 1U);
  const auto& m = r.groups.front();
  ASSERT_TRUE(m.fat_fraction_pct && m.fat_fraction_interior_pct);
  EXPECT_NEAR(*m.fat_fraction_pct, s.whole_mean_pct, 1e-3);
  EXPECT_NEAR(*m.fat_fraction_interior_pct, s.interior_mean_pct, 1e-3);
  EXPECT_GT(*m.fat_fraction_pct - *m.fat_fraction_interior_pct, 10.0);  // the two are really different numbers
  // Median, p90 and the fat-replaced volume are over the whole label too: the ring is 44 of 144 voxels per slice.
  EXPECT_NEAR(*m.fat_fraction_p90_pct, 45.0, 1e-3);
  EXPECT_NEAR(*m.fat_replaced_volume_ml, 0.0, 1e-9);  // 45 % is below the 50 % threshold
}

TEST(FatDefinition, AGroupMadeOfOneLabelReadsTheSameAsThatLabel) {
  const auto s = make_strap();
  const auto r = quantification::quantify({&s.labels, &s.water, &s.fat, nullptr, nullptr}, plain());
  const auto stats = quantification::label_statistics(s.labels, &*r.fat_fraction_map_pct, nullptr);
  ASSERT_EQ(stats.size(), 1U);
  ASSERT_TRUE(stats[0].fat_fraction_pct && stats[0].fat_fraction_interior_pct);
  EXPECT_NEAR(*stats[0].fat_fraction_pct, *r.groups[0].fat_fraction_pct, 1e-9);
  EXPECT_NEAR(*stats[0].fat_fraction_interior_pct, *r.groups[0].fat_fraction_interior_pct, 1e-9);
}

TEST(FatDefinition, ALabelWithoutInteriorHasNoInteriorMean) {
  // A strap one voxel thick: every voxel is on its border.
  core::Geometry g;
  g.size = {20, 20, 3};
  core::LabelVolume labels(g, 0);
  core::ImageVolume ff(g, 10.0F);
  for (std::size_t k = 0; k < 3; ++k)
    for (std::size_t i = 2; i < 18; ++i) labels.at(i, 10, k) = 7;
  const auto stats = quantification::label_statistics(labels, &ff, nullptr);
  ASSERT_EQ(stats.size(), 1U);
  EXPECT_NEAR(*stats[0].fat_fraction_pct, 10.0, 1e-6);
  EXPECT_FALSE(stats[0].fat_fraction_interior_pct);
}
