#include <gtest/gtest.h>

#include <random>

#include "myo/core/error.hpp"
#include "myo/core/muscle_catalog.hpp"
#include "myo/core/resample.hpp"
#include "myo/quantification/pattern.hpp"
#include "myo/quantification/quantify.hpp"

using namespace myo;

namespace {

// A box of "adductors, right" inside a background with Rician-like noise: known fat fraction and edema share.
struct Case {
  core::LabelVolume labels;
  core::ImageVolume water, fat, stir;
};

Case make_case(double ff, double edema_share, double noise_sigma, unsigned seed = 3) {
  core::Geometry g;
  g.size = {40, 40, 20};
  g.spacing_mm = {2, 2, 5};
  Case c{core::LabelVolume(g, 0), core::ImageVolume(g, 0), core::ImageVolume(g, 0), core::ImageVolume(g, 0)};
  const int label = core::MuscleCatalog::instance().find("adductors")->label_right;
  std::mt19937 rng(seed);
  std::normal_distribution<double> noise(0.0, noise_sigma);
  const auto rician = [&](double a) { const double re = a + noise(rng), im = noise(rng); return static_cast<float>(std::sqrt(re * re + im * im)); };
  std::size_t voxel = 0;
  for (std::size_t k = 0; k < 20; ++k)
    for (std::size_t j = 0; j < 40; ++j)
      for (std::size_t i = 0; i < 40; ++i, ++voxel) {
        const bool inside = i >= 10 && i < 30 && j >= 10 && j < 30;
        const double pd = inside ? 1000.0 : 0.0;
        c.water.voxels[voxel] = rician(pd * (1 - ff));
        c.fat.voxels[voxel] = rician(pd * ff);
        // Edema in the first share of the rows of the box: STIR 2.5x normal muscle.
        const bool edema = inside && (j - 10) < static_cast<std::size_t>(edema_share * 20);
        c.stir.voxels[voxel] = inside ? static_cast<float>(edema ? 500.0 : 200.0) + static_cast<float>(noise(rng) * 0.2) : 0.0F;
        if (inside) c.labels.voxels[voxel] = static_cast<std::uint16_t>(label);
      }
  return c;
}

}  // namespace

TEST(Quantify, MeasuresTheFatFractionOfAUniformMuscle) {
  auto c = make_case(0.30, 0.0, 5.0);
  const auto r = quantification::quantify({&c.labels, &c.water, &c.fat, &c.stir, nullptr});
  ASSERT_EQ(r.groups.size(), 1U);
  const auto& m = r.groups.front();
  EXPECT_EQ(m.group, "adductors");
  EXPECT_EQ(m.side, core::Side::right);
  ASSERT_TRUE(m.fat_fraction_pct);
  EXPECT_NEAR(*m.fat_fraction_pct, 30.0, 0.5);
  EXPECT_NEAR(m.volume_ml, 20 * 20 * 20 * 0.02, 1e-9);
  EXPECT_EQ(r.method.fat_method, "dixon_pdff");
}

TEST(Quantify, NoiseFloorCorrectionRemovesTheLowFatBias) {
  // At 2% fat with noisy magnitudes, uncorrected F/(W+F) reads several points too high.
  auto c = make_case(0.02, 0.0, 40.0);
  quantification::QuantificationParams raw;
  raw.noise_floor_correction = false;
  const auto biased = quantification::quantify({&c.labels, &c.water, &c.fat, nullptr, nullptr}, raw);
  const auto corrected = quantification::quantify({&c.labels, &c.water, &c.fat, nullptr, nullptr});
  ASSERT_TRUE(corrected.method.noise_sigma);
  EXPECT_NEAR(*corrected.method.noise_sigma, 40.0, 6.0);
  const double biased_error = *biased.groups[0].fat_fraction_pct - 2.0;
  const double corrected_error = *corrected.groups[0].fat_fraction_pct - 2.0;
  EXPECT_GT(biased_error, 1.5);
  EXPECT_LT(std::abs(corrected_error), biased_error / 2);
}

TEST(Quantify, EdemaFractionFollowsTheBrightStirShare) {
  auto c = make_case(0.05, 0.40, 2.0);
  const auto r = quantification::quantify({&c.labels, &c.water, &c.fat, &c.stir, nullptr});
  ASSERT_TRUE(r.groups[0].edema_fraction_pct);
  EXPECT_NEAR(*r.groups[0].edema_fraction_pct, 40.0, 1.0);
  ASSERT_TRUE(r.groups[0].stir_ratio);
  EXPECT_EQ(r.method.edema_method, "stir_reference_ratio");
}

TEST(Quantify, WithoutDixonTheFatFractionIsNullNotInvented) {
  auto c = make_case(0.30, 0.0, 2.0);
  const auto r = quantification::quantify({&c.labels, nullptr, nullptr, &c.stir, nullptr});
  ASSERT_EQ(r.groups.size(), 1U);
  EXPECT_FALSE(r.groups[0].fat_fraction_pct);
  EXPECT_FALSE(r.fat_fraction_map_pct);
  EXPECT_EQ(r.method.fat_method, "none");
}

TEST(Quantify, HealthyMuscleHasNoEdema) {
  auto c = make_case(0.04, 0.0, 2.0);
  const auto r = quantification::quantify({&c.labels, &c.water, &c.fat, &c.stir, nullptr});
  EXPECT_LT(*r.groups[0].edema_fraction_pct, 1.0);
}

TEST(Quantify, RefusesChannelsOnAnotherGrid) {
  auto c = make_case(0.3, 0, 2.0);
  c.fat.geometry.spacing_mm[2] = 3.0;
  EXPECT_THROW((void)quantification::quantify({&c.labels, &c.water, &c.fat, nullptr, nullptr}), core::MyoError);
}

// Regression: a STIR acquired with thick slices and resampled onto the Dixon grid carries, next to a fat septum,
// signal averaged over its thick voxel. Divided by the sharp Dixon water share of a fat voxel (clamped at 0.3) it read
// above 1.6x normal muscle: healthy muscle whose labels take in a septum (as automatic labels do) showed edema.
// Measured at the STIR's own resolution, the water share matches what the STIR voxel contained.
TEST(Quantify, ThickSliceStirNextToFatIsNotEdema) {
  core::Geometry g;
  g.size = {40, 40, 40};
  g.spacing_mm = {2, 2, 2};
  core::Geometry acquired = g;  // 8 mm slices: each holds four Dixon slices
  acquired.size = {40, 40, 10};
  acquired.spacing_mm = {2, 2, 8};
  acquired.origin_mm = {0, 0, 3};
  core::LabelVolume labels(g, 0);
  core::ImageVolume water(g, 0), fat(g, 0), stir_native(acquired, 0);
  const int label = core::MuscleCatalog::instance().find("hamstrings")->label_right;
  std::mt19937 rng(5);
  std::normal_distribution<double> noise(0.0, 3.0);
  for (std::size_t k = 0; k < 40; ++k)
    for (std::size_t j = 0; j < 40; ++j)
      for (std::size_t i = 0; i < 40; ++i) {
        const bool inside = i >= 5 && i < 35 && j >= 5 && j < 35;
        if (!inside) continue;
        const bool septum = (k == 17 || k == 18) && i >= 10 && i < 30;  // fat taken into the muscle's label
        const double ff = septum ? 0.95 : 0.04;
        const std::size_t v = g.linear_index(i, j, k);
        labels.voxels[v] = static_cast<std::uint16_t>(label);
        water.voxels[v] = static_cast<float>(1000 * (1 - ff) + noise(rng));
        fat.voxels[v] = static_cast<float>(std::abs(1000 * ff + noise(rng)));
        // STIR: water bright, fat suppressed (a small residue), averaged over the thick slice.
        stir_native.voxels[acquired.linear_index(i, j, k / 4)] += static_cast<float>((200 * (1 - ff) + 10 * ff) / 4);
      }
  for (auto& s : stir_native.voxels) s += static_cast<float>(noise(rng));
  const auto stir = core::resample_to(stir_native, g);
  quantification::QuantificationParams params;
  params.stir_bias_correction = false;
  params.edema_min_assessable_water_share = 0;  // every voxel assessed: this test is about the water share alone
  quantification::QuantificationInput input{&labels, &water, &fat, &stir, nullptr};
  const auto voxelwise = quantification::quantify(input, params);
  input.stir_acquired_geometry = &acquired;
  const auto matched = quantification::quantify(input, params);
  ASSERT_EQ(matched.groups.size(), 1U);
  EXPECT_EQ(matched.method.edema_water_share, "at_stir_resolution");
  EXPECT_EQ(voxelwise.method.edema_water_share, "voxel");
  // The fat voxels of the septum (2 % of the label) and their neighbours read as edema voxel by voxel ...
  EXPECT_GT(*voxelwise.groups[0].edema_fraction_pct, 1.5);
  // ... and not at the STIR's resolution.
  EXPECT_LT(*matched.groups[0].edema_fraction_pct, 0.3);
}

// Regression: the water of fat tissue (septa, fascia, intermuscular fat) is brighter on STIR than muscle water, so
// dividing a fatty voxel's STIR by its small water share called it edema: healthy subjects read ~3.5 % edema with
// automatic labels, which take in such voxels at every muscle border. Voxels with less than half water are not
// assessed; the group's edema fraction is that of its assessable voxels.
TEST(Quantify, FattyVoxelsAreNotAssessedForEdema) {
  core::Geometry g;
  g.size = {40, 40, 20};
  g.spacing_mm = {2, 2, 5};
  core::LabelVolume labels(g, 0);
  core::ImageVolume water(g, 0), fat(g, 0), stir(g, 0);
  const int label = core::MuscleCatalog::instance().find("quadriceps")->label_left;
  std::mt19937 rng(7);
  std::normal_distribution<double> noise(0.0, 2.0);
  for (std::size_t k = 0; k < 20; ++k)
    for (std::size_t j = 10; j < 30; ++j)
      for (std::size_t i = 10; i < 30; ++i) {
        const std::size_t v = g.linear_index(i, j, k);
        const bool septum = i < 13;              // 15 % of the label: 70 % fat tissue
        const bool edema = !septum && j < 18;    // 40 % of the muscle rows
        const double ff = septum ? 0.70 : 0.04;
        labels.voxels[v] = static_cast<std::uint16_t>(label);
        water.voxels[v] = static_cast<float>(1000 * (1 - ff) + noise(rng));
        fat.voxels[v] = static_cast<float>(std::abs(1000 * ff + noise(rng)));
        // Muscle water 200 per unit (500 when edematous); fat-tissue water 1.45x brighter; suppressed fat 30.
        const double water_signal = septum ? 290.0 : edema ? 500.0 : 200.0;
        stir.voxels[v] = static_cast<float>(water_signal * (1 - ff) + 30 * ff + noise(rng));
      }
  quantification::QuantificationParams every_voxel;
  every_voxel.stir_bias_correction = false;
  every_voxel.edema_min_assessable_water_share = 0;
  quantification::QuantificationParams assessed = every_voxel;
  assessed.edema_min_assessable_water_share = 0.5;
  const quantification::QuantificationInput input{&labels, &water, &fat, &stir, nullptr};
  const auto all = quantification::quantify(input, every_voxel);
  const auto measured = quantification::quantify(input, assessed);
  ASSERT_EQ(measured.groups.size(), 1U);
  // 0.85 x 40 % + 15 % of septum read as edema ...
  EXPECT_GT(*all.groups[0].edema_fraction_pct, 45.0);
  // ... and the edema of the muscle itself when only assessable voxels count; the volume is that share of the group.
  EXPECT_NEAR(*measured.groups[0].edema_fraction_pct, 40.0, 1.5);
  EXPECT_NEAR(*measured.groups[0].edema_volume_ml, 0.4 * measured.groups[0].volume_ml, 0.015 * measured.groups[0].volume_ml);
  // The mask holds only the measured voxels: nothing in the septum.
  std::size_t septum_edema = 0;
  for (std::size_t k = 0; k < 20; ++k)
    for (std::size_t j = 10; j < 30; ++j)
      for (std::size_t i = 10; i < 13; ++i) septum_edema += measured.edema_mask->voxels[g.linear_index(i, j, k)];
  EXPECT_EQ(septum_edema, 0U);
  // Profiles along the limb and statistics of any labelling count the same assessed voxels as the group.
  ASSERT_TRUE(measured.edema_assessed_mask);
  const auto profiles = quantification::level_profiles(labels, &*measured.fat_fraction_map_pct,
                                                       &*measured.edema_mask, &*measured.edema_assessed_mask);
  ASSERT_FALSE(profiles.empty());
  for (const auto& level : profiles.front().levels) EXPECT_NEAR(*level.edema_fraction_pct, 40.0, 2.5);
  const auto stats = quantification::label_statistics(labels, &*measured.fat_fraction_map_pct, &*measured.edema_mask,
                                                      &*measured.edema_assessed_mask);
  ASSERT_EQ(stats.size(), 1U);
  EXPECT_NEAR(*stats[0].edema_fraction_pct, *measured.groups[0].edema_fraction_pct, 1e-9);
}
