#include <gtest/gtest.h>

#include <random>

#include "myo/core/error.hpp"
#include "myo/core/muscle_catalog.hpp"
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
