// Dixon water/fat swaps: two thighs (muscle inside a ring of subcutaneous fat) with the images exchanged in a ball.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "myo/core/muscle_catalog.hpp"
#include "myo/quantification/quantify.hpp"

using namespace myo;

namespace {

struct Thighs {
  core::LabelVolume labels;
  core::ImageVolume water, fat;
};

// Columns run along +x (patient left): the thigh at column 30 is the right one. Muscle FF per side; subcutaneous fat
// 93 %. Inside `swap_radius_mm` of the right thigh's lateral edge at mid-height, water and fat are exchanged.
Thighs make_thighs(double right_ff, double left_ff, double swap_radius_mm) {
  core::Geometry g;
  g.size = {100, 100, 30};
  g.spacing_mm = {2, 2, 4};
  Thighs t{core::LabelVolume(g, 0), core::ImageVolume(g, 0), core::ImageVolume(g, 0)};
  const auto& catalog = core::MuscleCatalog::instance();
  const auto right = static_cast<std::uint16_t>(catalog.find("quadriceps")->label_right);
  const auto left = static_cast<std::uint16_t>(catalog.find("quadriceps")->label_left);
  std::mt19937 rng(7);
  std::normal_distribution<double> noise(0.0, 8.0);
  const auto rician = [&](double a) {
    const double re = a + noise(rng), im = noise(rng);
    return static_cast<float>(std::sqrt(re * re + im * im));
  };
  for (std::size_t k = 0; k < 30; ++k)
    for (std::size_t j = 0; j < 100; ++j)
      for (std::size_t i = 0; i < 100; ++i) {
        const std::size_t v = g.linear_index(i, j, k);
        double ff = -1;
        for (const int c : {30, 70}) {
          const double r = std::hypot(static_cast<double>(i) - c, static_cast<double>(j) - 50.0);
          if (r < 18) {
            ff = c == 30 ? right_ff : left_ff;
            t.labels.voxels[v] = c == 30 ? right : left;
          } else if (r < 22) {
            ff = 0.93;
          }
        }
        double w = 0, f = 0;
        if (ff >= 0) w = 1000 * (1 - ff), f = 1000 * ff;
        const double dx = (static_cast<double>(i) - 8.0) * 2, dy = (static_cast<double>(j) - 50.0) * 2,
                     dz = (static_cast<double>(k) - 15.0) * 4;
        if (std::sqrt(dx * dx + dy * dy + dz * dz) < swap_radius_mm) std::swap(w, f);
        t.water.voxels[v] = rician(w);
        t.fat.voxels[v] = rician(f);
      }
  return t;
}

double right_quadriceps_ff(const quantification::QuantificationResult& r) {
  for (const auto& m : r.groups)
    if (m.group == "quadriceps" && m.side == core::Side::right) return m.fat_fraction_pct.value_or(-1);
  return -1;
}

}  // namespace

TEST(WaterFatSwap, SwappedBallIsFoundOnTheRightAndItsFatFractionRestored) {
  const auto t = make_thighs(0.05, 0.05, 40.0);
  quantification::QuantificationParams no_check;
  no_check.correct_swaps = false;
  const auto raw = quantification::quantify({&t.labels, &t.water, &t.fat, nullptr, nullptr}, no_check);
  const auto fixed = quantification::quantify({&t.labels, &t.water, &t.fat, nullptr, nullptr});
  EXPECT_GT(right_quadriceps_ff(raw), 15.0);  // the swap really hurts without the check
  EXPECT_NEAR(right_quadriceps_ff(fixed), 5.0, 1.0);
  ASSERT_EQ(fixed.method.swap_regions.size(), 1U);
  const auto& region = fixed.method.swap_regions.front();
  EXPECT_EQ(region.side, "right");
  EXPECT_TRUE(region.corrected);
  EXPECT_GT(region.muscle_volume_ml, 20.0);
  EXPECT_EQ(fixed.method.swap_method, "subcutaneous_fat_vote");
}

TEST(WaterFatSwap, FatReplacedMuscleIsNotMistakenForASwap) {
  // Guards IMNM: a muscle that is 75 % fat reads fat-dominant like a swapped healthy muscle, but its subcutaneous
  // fat still reads as fat.
  const auto t = make_thighs(0.75, 0.05, 0.0);
  const auto r = quantification::quantify({&t.labels, &t.water, &t.fat, nullptr, nullptr});
  EXPECT_TRUE(r.method.swap_regions.empty());
  EXPECT_NEAR(right_quadriceps_ff(r), 75.0, 1.5);
}

TEST(WaterFatSwap, CleanStudyHasNoSwap) {
  const auto t = make_thighs(0.05, 0.05, 0.0);
  const auto r = quantification::quantify({&t.labels, &t.water, &t.fat, nullptr, nullptr});
  EXPECT_TRUE(r.method.swap_regions.empty());
}
