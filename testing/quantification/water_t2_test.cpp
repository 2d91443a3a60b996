// Water T2 from multi-echo spin echo: fat handled by a bi-exponential fit with the fat share fixed to the FF map.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "myo/core/error.hpp"
#include "myo/core/muscle_catalog.hpp"
#include "myo/quantification/quantify.hpp"
#include "myo/quantification/water_t2.hpp"

using namespace myo;

namespace {

struct Echoes {
  std::vector<core::ImageVolume> images;
  std::vector<double> te_ms;
  core::ImageVolume ff_pct;
};

// One slab of voxels with water T2 `t2w`, fat share `ff`, fat T2 151 ms; 17 echoes 7.7 ms apart; Rician noise.
Echoes make_echoes(double t2w, double ff, double sigma) {
  core::Geometry g;
  g.size = {20, 20, 2};
  g.spacing_mm = {3, 3, 10};
  Echoes e;
  e.ff_pct = core::ImageVolume(g, static_cast<float>(100 * ff));
  std::mt19937 rng(3);
  std::normal_distribution<double> noise(0.0, sigma);
  for (int k = 1; k <= 17; ++k) {
    const double te = 7.7 * k;
    e.te_ms.push_back(te);
    core::ImageVolume img(g, 0.0F);
    const double s = 1000 * ((1 - ff) * std::exp(-te / t2w) + ff * std::exp(-te / 151.0));
    for (auto& v : img.voxels) v = static_cast<float>(std::hypot(s + noise(rng), noise(rng)));
    e.images.push_back(std::move(img));
  }
  return e;
}

double median_t2(const quantification::WaterT2Map& map) {
  core::LabelVolume one(map.water_t2_ms.geometry, 1);
  const auto per = quantification::water_t2_per_label(one, map.water_t2_ms);
  return per.empty() ? 0.0 : per.front().median_ms;
}

}  // namespace

TEST(WaterT2, HealthyMuscleWithoutFatReadsItsT2) {
  const auto e = make_echoes(33.0, 0.0, 5.0);
  const auto map = quantification::fit_water_t2(e.images, e.te_ms, nullptr, nullptr);
  EXPECT_EQ(map.method, "monoexponential");
  EXPECT_NEAR(median_t2(map), 33.0, 1.5);
}

TEST(WaterT2, FatIsSeparatedByTheFixedFatComponent) {
  // 30 % fat: a mono-exponential fit reads a much longer "T2" (fat inflation); the bi-exponential one recovers water.
  const auto e = make_echoes(33.0, 0.30, 5.0);
  const auto mono = quantification::fit_water_t2(e.images, e.te_ms, nullptr, nullptr);
  const auto bi = quantification::fit_water_t2(e.images, e.te_ms, nullptr, &e.ff_pct);
  EXPECT_EQ(bi.method, "biexponential_fixed_fat");
  EXPECT_GT(median_t2(mono), 45.0);
  EXPECT_NEAR(median_t2(bi), 33.0, 2.0);
}

TEST(WaterT2, EdemaRaisesWaterT2AndFatReplacedVoxelsAreLeftOut) {
  const auto edema = make_echoes(48.0, 0.05, 5.0);
  EXPECT_NEAR(median_t2(quantification::fit_water_t2(edema.images, edema.te_ms, nullptr, &edema.ff_pct)), 48.0, 2.5);
  const auto fatty = make_echoes(33.0, 0.75, 5.0);
  const auto map = quantification::fit_water_t2(fatty.images, fatty.te_ms, nullptr, &fatty.ff_pct);
  EXPECT_EQ(map.fitted_voxels, 0U);  // above 60 % fat: not fitted
}

TEST(WaterT2, GroupT2FromAMapLeavesFattyVoxelsOut) {
  // Half the muscle is 70 % fat with an inflated mono-exponential T2 of 80 ms; the rest is water T2 34 ms.
  core::Geometry g;
  g.size = {20, 20, 4};
  g.spacing_mm = {3, 3, 6};
  core::LabelVolume labels(g, static_cast<std::uint16_t>(core::MuscleCatalog::instance().find("hamstrings")->label_left));
  core::ImageVolume water(g, 0.0F), fat(g, 0.0F), t2(g, 0.0F);
  for (std::size_t i = 0; i < labels.voxels.size(); ++i) {
    const bool fatty = (i % 20) < 10;
    water.voxels[i] = fatty ? 300.0F : 950.0F;
    fat.voxels[i] = fatty ? 700.0F : 50.0F;
    t2.voxels[i] = fatty ? 80.0F : 34.0F;
  }
  quantification::QuantificationInput input{&labels, &water, &fat, nullptr, nullptr, nullptr, &t2};
  const auto r = quantification::quantify(input);
  ASSERT_EQ(r.groups.size(), 1U);
  ASSERT_TRUE(r.groups[0].water_t2_ms);
  EXPECT_NEAR(*r.groups[0].water_t2_ms, 34.0, 1e-3);
  EXPECT_EQ(r.method.water_t2_method, "t2_map_fat_excluded");
}

// The table-and-refine fit is exact on noise-free decays across the range, and gives up at its limits.
TEST(WaterT2, NoiseFreeDecaysAreFittedExactlyAcrossTheRange) {
  for (const double t2 : {12.0, 25.0, 32.0, 46.0, 90.0, 140.0}) {
    const auto e = make_echoes(t2, 0.2, 0.0);
    const auto map = quantification::fit_water_t2(e.images, e.te_ms, nullptr, &e.ff_pct);
    EXPECT_NEAR(median_t2(map), t2, 0.01 * t2) << t2;
    EXPECT_EQ(map.fitted_voxels, 800U);
  }
  const auto too_long = make_echoes(400.0, 0.0, 0.0);
  EXPECT_EQ(quantification::fit_water_t2(too_long.images, too_long.te_ms, nullptr, nullptr).fitted_voxels, 0U);
}

// A double echo (TE 16/56 ms, as the MuscleMap calf data) is fitted with both echoes: the closed form
// T2 = 40 ms / ln(S16/S56). Three echoes are the minimum when the first is dropped.
TEST(WaterT2, DoubleEchoFitEqualsTheTwoPointFormula) {
  core::Geometry g;
  g.size = {4, 4, 1};
  core::ImageVolume a(g, 900.0F), b(g, 300.0F);
  quantification::WaterT2Params params;
  params.skip_first_echo = false;
  const auto map = quantification::fit_water_t2({a, b}, {16.0, 56.0}, nullptr, nullptr, params);
  EXPECT_NEAR(map.water_t2_ms.voxels[5], 40.0 / std::log(3.0), 0.01);
  EXPECT_THROW((void)quantification::fit_water_t2({a, b}, {16.0, 56.0}, nullptr, nullptr), core::MyoError);
  EXPECT_EQ(map.echo_times_used_ms, (std::vector<double>{16.0, 56.0}));
}

// Late echoes of muscle approach the Rician noise floor, which lengthens T2; sigma comes from the background and the
// corrected fit is closer to the truth than the uncorrected one.
TEST(WaterT2, NoiseSigmaFromTheBackgroundAndNoiseFloorCorrection) {
  core::Geometry g;
  g.size = {60, 60, 2};
  g.spacing_mm = {2, 2, 6};
  std::mt19937 rng(7);
  std::normal_distribution<double> noise(0.0, 20.0);
  std::vector<core::ImageVolume> echoes;
  std::vector<double> te;
  core::MaskVolume inside(g, 0);
  for (int k = 1; k <= 10; ++k) {
    te.push_back(10.0 * k);
    core::ImageVolume img(g, 0.0F);
    for (std::size_t z = 0; z < 2; ++z)
      for (std::size_t y = 0; y < 60; ++y)
        for (std::size_t x = 0; x < 60; ++x) {
          const bool tissue = x >= 15 && x < 45 && y >= 15 && y < 45;
          const double s = tissue ? 800.0 * std::exp(-te.back() / 32.0) : 0.0;
          img.at(x, y, z) = static_cast<float>(std::hypot(s + noise(rng), noise(rng)));
          inside.at(x, y, z) = tissue ? 1 : 0;
        }
    echoes.push_back(std::move(img));
  }
  const auto sigma = quantification::echo_noise_sigma(echoes);
  ASSERT_TRUE(sigma);
  EXPECT_NEAR(*sigma, 20.0, 1.5);
  quantification::WaterT2Params corrected;
  corrected.noise_sigma = sigma;
  const auto plain = quantification::fit_water_t2(echoes, te, &inside, nullptr);
  const auto fixed = quantification::fit_water_t2(echoes, te, &inside, nullptr, corrected);
  core::LabelVolume one(g, 1);
  const double t2_plain = quantification::water_t2_per_label(one, plain.water_t2_ms).front().median_ms;
  const double t2_fixed = quantification::water_t2_per_label(one, fixed.water_t2_ms).front().median_ms;
  EXPECT_GT(t2_plain, 32.5);
  EXPECT_LT(std::abs(t2_fixed - 32.0), std::abs(t2_plain - 32.0));
  EXPECT_NEAR(t2_fixed, 32.0, 0.4);
}
