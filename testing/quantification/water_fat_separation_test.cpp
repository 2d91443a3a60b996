// Dixon from raw echoes (issue #20) on synthetic echoes with known water, fat, field and R2*: two to six echoes,
// a field with a bump far beyond a quarter of its period (choosing the field closest to zero voxel by voxel would
// swap water and fat there), echo times that cannot separate water and fat refused.
#include "myo/quantification/water_fat_separation.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <iostream>
#include <random>

#include "myo/core/error.hpp"

using namespace myo;

namespace {

constexpr double kTwoPi = 6.283185307179586;

struct Truth {
  std::vector<core::ImageVolume> magnitude, phase;
  core::ImageVolume ff_pct;
};

// A 60 x 60 x 8 slab: a disc of "muscle" (6 % fat) inside a ring of "fat" (92 %), a fatty patch (70 %) inside the
// muscle; field 30 Hz plus a 260 Hz bump at one side; R2* 40/s; six-peak fat at 3 T; complex noise.
Truth make_echoes(const std::vector<double>& tes_ms, double r2star_per_s) {
  core::Geometry g;
  g.size = {60, 60, 8};
  g.spacing_mm = {2, 2, 4};
  Truth t;
  t.ff_pct = core::ImageVolume(g, 0.0F);
  for (std::size_t e = 0; e < tes_ms.size(); ++e) t.magnitude.emplace_back(g, 0.0F), t.phase.emplace_back(g, 0.0F);
  const auto fat = quantification::six_peak_fat_spectrum();
  std::mt19937 rng(5);
  std::normal_distribution<double> noise(0.0, 6.0);
  for (std::size_t k = 0; k < 8; ++k)
    for (std::size_t j = 0; j < 60; ++j)
      for (std::size_t i = 0; i < 60; ++i) {
        const std::size_t v = g.linear_index(i, j, k);
        const double r = std::hypot(static_cast<double>(i) - 30, static_cast<double>(j) - 30);
        const bool patch = std::hypot(static_cast<double>(i) - 36, static_cast<double>(j) - 30) < 5;
        const double ff = r < 20 ? (patch ? 0.70 : 0.06) : r < 26 ? 0.92 : -1;
        const double pd = ff < 0 ? 0 : 1000;
        if (ff >= 0) t.ff_pct.voxels[v] = static_cast<float>(100 * ff);
        const double field =
            30 + 260 * std::exp(-((i - 5.0) * (i - 5.0) + (j - 30.0) * (j - 30.0)) / (2 * 12.0 * 12.0));
        for (std::size_t e = 0; e < tes_ms.size(); ++e) {
          const double time = tes_ms[e] * 1e-3;
          std::complex<double> c = 0;
          for (std::size_t p = 0; p < fat.ppm.size(); ++p)
            c += fat.relative_amplitude[p] * std::polar(1.0, kTwoPi * fat.ppm[p] * 1e-6 * 42.577478e6 * 3.0 * time);
          const std::complex<double> signal = pd * ((1 - std::max(ff, 0.0)) + std::max(ff, 0.0) * c) *
                                              std::exp(-r2star_per_s * time) *
                                              std::polar(1.0, kTwoPi * field * time + 0.3);
          const std::complex<double> noisy = signal + std::complex<double>(noise(rng), noise(rng));
          t.magnitude[e].voxels[v] = static_cast<float>(std::abs(noisy));
          t.phase[e].voxels[v] = static_cast<float>(std::arg(noisy));
        }
      }
  return t;
}

// Mean absolute fat-fraction error over the object.
double object_mae(const Truth& t, const quantification::WaterFatSeparation& r) {
  double sum = 0;
  std::size_t n = 0;
  for (std::size_t v = 0; v < t.ff_pct.voxels.size(); ++v)
    if (t.ff_pct.voxels[v] > 0) sum += std::abs(r.fat_fraction_pct.voxels[v] - t.ff_pct.voxels[v]), ++n;
  return sum / static_cast<double>(n);
}

}  // namespace

TEST(WaterFatSeparation, RecoversFatFractionFromTwoToSixEchoesWithoutASwap) {
  for (const std::vector<double>& tes :
       {std::vector<double>{1.15, 2.30}, std::vector<double>{1.15, 2.30, 3.45}, std::vector<double>{1.0, 2.0, 3.0, 4.0},
        std::vector<double>{1.1, 2.2, 3.3, 4.4, 5.5, 6.6}}) {
    SCOPED_TRACE(std::to_string(tes.size()) + " echoes");
    const auto t = make_echoes(tes, 40.0);
    const auto r = quantification::separate_water_fat(t.magnitude, t.phase, tes);
    const double mae = object_mae(t, r);
    // A swap anywhere (the bump) would put a region 80 points off; R2* not fitted below four echoes costs a little.
    EXPECT_LT(mae, tes.size() >= 4 ? 1.5 : 3.0);
    EXPECT_EQ(r.method.r2star_fitted, tes.size() >= 4);
    // Two echoes at opposed and in phase barely tell the sign (fat's main peak reads the same either way).
    if (tes.size() >= 3) {
      EXPECT_EQ(r.method.fat_frequency_sign, "negative");
    }
    std::cout << tes.size() << " echoes: fat fraction MAE " << mae << " pp\n";
    if (r.r2star_per_s) {
      // Median R2* over the lean muscle.
      std::vector<float> values;
      for (std::size_t v = 0; v < t.ff_pct.voxels.size(); ++v)
        if (t.ff_pct.voxels[v] > 5 && t.ff_pct.voxels[v] < 7) values.push_back(r.r2star_per_s->voxels[v]);
      std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2), values.end());
      EXPECT_NEAR(values[values.size() / 2], 40.0, 15.0);
    }
  }
}

TEST(WaterFatSeparation, MirroredPhaseIsRecognised) {
  // A scanner whose phase runs the other way (GE against Siemens on the real thighs of swastling-musclemap).
  const std::vector<double> tes{1.0, 2.0, 3.0, 4.0};
  auto t = make_echoes(tes, 40.0);
  for (auto& p : t.phase)
    for (auto& v : p.voxels) v = -v;
  const auto r = quantification::separate_water_fat(t.magnitude, t.phase, tes);
  EXPECT_EQ(r.method.fat_frequency_sign, "positive");
  EXPECT_LT(object_mae(t, r), 1.5);
}

TEST(WaterFatSeparation, EchoTimesThatCannotSeparateWaterAndFatAreRefused) {
  EXPECT_FALSE(quantification::echo_times_problem({2.3, 4.6}, 3.0).empty());   // in phase at both (a B0 map)
  EXPECT_FALSE(quantification::echo_times_problem({5, 10, 15}, 3.0).empty());  // further apart than fat's period
  EXPECT_FALSE(quantification::echo_times_problem({1.15}, 3.0).empty());       // one echo
  EXPECT_FALSE(quantification::echo_times_problem({1.15, 2.3}, 0.0).empty());  // no field strength
  EXPECT_TRUE(quantification::echo_times_problem({1.15, 2.3}, 3.0).empty());
  EXPECT_TRUE(quantification::echo_times_problem({2.3, 4.6}, 1.5).empty());  // opposed and in phase at 1.5 T
  const auto t = make_echoes({2.3, 4.6}, 0.0);
  EXPECT_THROW((void)quantification::separate_water_fat(t.magnitude, t.phase, {2.3, 4.6}), core::MyoError);
}
