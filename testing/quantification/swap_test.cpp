// Dixon water/fat swaps: two thighs (muscle inside a ring of subcutaneous fat) with the images exchanged in a ball.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <random>

#include "myo/core/muscle_catalog.hpp"
#include "myo/core/parallel.hpp"
#include "myo/quantification/quantify.hpp"

using namespace myo;

namespace {

struct Thighs {
  core::LabelVolume labels;
  core::ImageVolume water, fat;
};

// Columns run along +x (patient left): the thigh at column 30 is the right one. Muscle FF per side; subcutaneous fat
// 93 % and `fat_brightness` times as bright as muscle in W+F (fat's short T1 in a Dixon gradient echo). Inside
// `swap_radius_mm` of the right thigh's lateral edge at mid-height, water and fat are exchanged.
Thighs make_thighs(double right_ff, double left_ff, double swap_radius_mm, double fat_brightness = 1.4) {
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
        double ff = -1, pd = 1000;
        for (const int c : {30, 70}) {
          const double r = std::hypot(static_cast<double>(i) - c, static_cast<double>(j) - 50.0);
          if (r < 18) {
            ff = c == 30 ? right_ff : left_ff;
            t.labels.voxels[v] = c == 30 ? right : left;
          } else if (r < 22) {
            ff = 0.93, pd = 1000 * fat_brightness;
          }
        }
        double w = 0, f = 0;
        if (ff >= 0) w = pd * (1 - ff), f = pd * ff;
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
  EXPECT_EQ(fixed.method.swap_method, "adipose_vote_smooth_field");
}

std::size_t swapped_voxels(const Thighs& t) {
  const auto d = quantification::detect_water_fat_swaps(t.labels, t.water, t.fat);
  return static_cast<std::size_t>(std::count(d.swapped.voxels.begin(), d.swapped.voxels.end(), 1));
}

TEST(WaterFatSwap, FatReplacedMuscleIsNotMistakenForASwap) {
  // Guards IMNM (issue #20: a severely fat-replaced adductor magnus was "corrected" as a swap, 29 points too low):
  // a muscle at 80-95 % fat reads fat-dominant like a swapped healthy muscle, but its subcutaneous fat still reads as
  // fat. Not one voxel may be exchanged, beside a healthy thigh or a thigh as fatty.
  for (const double ff : {0.80, 0.85, 0.90, 0.95})
    for (const double other : {0.05, ff}) {
      const auto t = make_thighs(ff, other, 0.0);
      EXPECT_EQ(swapped_voxels(t), 0U) << "muscle " << ff << ", other thigh " << other;
      const auto r = quantification::quantify({&t.labels, &t.water, &t.fat, nullptr, nullptr});
      EXPECT_TRUE(r.method.swap_regions.empty());
      EXPECT_NEAR(right_quadriceps_ff(r), 100 * ff, 1.5);
    }
}

TEST(WaterFatSwap, ASwapInAFattyThighIsFoundAndItsMuscleStaysFatty) {
  // A true swap over a fat-replaced muscle: the swapped part reads lean (15 %), the subcutaneous fat over it reads
  // as water. Exchanged back, the whole muscle reads its 85 % again.
  const auto t = make_thighs(0.85, 0.05, 40.0);
  const auto r = quantification::quantify({&t.labels, &t.water, &t.fat, nullptr, nullptr});
  ASSERT_EQ(r.method.swap_regions.size(), 1U);
  EXPECT_EQ(r.method.swap_regions.front().side, "right");
  EXPECT_NEAR(right_quadriceps_ff(r), 85.0, 1.5);
}

TEST(WaterFatSwap, ThreadCountDoesNotChangeTheDetection) {
  // The vote fields are smoothed line by line on the thread pool: each block's sum is made on one thread in a fixed
  // order, so the swapped voxels and the region's figures are the same, bit for bit, serial or parallel.
  const auto t = make_thighs(0.85, 0.05, 40.0);
  core::set_thread_count(1);
  const auto serial = quantification::detect_water_fat_swaps(t.labels, t.water, t.fat);
  core::set_thread_count(4);
  const auto parallel = quantification::detect_water_fat_swaps(t.labels, t.water, t.fat);
  core::set_thread_count(0);
  ASSERT_EQ(serial.regions.size(), 1U);
  ASSERT_EQ(parallel.regions.size(), 1U);
  EXPECT_TRUE(serial.swapped.voxels == parallel.swapped.voxels);
  EXPECT_EQ(serial.regions.front().volume_ml, parallel.regions.front().volume_ml);
  EXPECT_EQ(serial.regions.front().muscle_volume_ml, parallel.regions.front().muscle_volume_ml);
}

TEST(WaterFatSwap, CleanStudyHasNoSwap) {
  const auto t = make_thighs(0.05, 0.05, 0.0);
  const auto r = quantification::quantify({&t.labels, &t.water, &t.fat, nullptr, nullptr});
  EXPECT_TRUE(r.method.swap_regions.empty());
}

TEST(WaterFatSwap, WhenFatAndMuscleHaveTheSameSignalNothingIsChangedAndANoteSaysSo) {
  // Fat under the skin that reads as water can be told from skin and muscle only by its total signal W+F. Where fat
  // and muscle are equally bright, there is no evidence either way: even a real swap is then left alone, and said.
  const auto t = make_thighs(0.05, 0.05, 40.0, 1.0);
  const auto d = quantification::detect_water_fat_swaps(t.labels, t.water, t.fat);
  EXPECT_TRUE(d.regions.empty());
  EXPECT_EQ(std::count(d.swapped.voxels.begin(), d.swapped.voxels.end(), 1), 0);
  ASSERT_EQ(d.notes.size(), 1U);
  EXPECT_NE(d.notes.front().find("not looked for"), std::string::npos) << d.notes.front();
}

TEST(WaterFatSwap, ASwapIsFoundWhereFatIsDarkerThanMuscle) {
  // Quantitative Dixon uses low flip angles: proton density decides, and muscle reads brighter than fat in W+F (the
  // real GE and Siemens thighs of swastling-musclemap: fat about 0.8 of muscle).
  const auto t = make_thighs(0.05, 0.05, 40.0, 0.8);
  const auto r = quantification::quantify({&t.labels, &t.water, &t.fat, nullptr, nullptr});
  ASSERT_EQ(r.method.swap_regions.size(), 1U);
  EXPECT_NEAR(right_quadriceps_ff(r), 5.0, 1.0);
}

TEST(WaterFatSwap, ThinFatOverUnlabelledMuscleIsNoSwap) {
  // Where the fat under the skin is thin, the probe layer (2.5-6 mm deep) meets muscle the labels do not cover (an
  // expert's 11 muscles leave many out): it reads as water, as swapped fat would, but it is not bright like fat and
  // does not vote. Below it, a fat-replaced muscle (90 %) must keep its fat.
  auto t = make_thighs(0.90, 0.05, 0.0);
  const auto& g = t.labels.geometry;
  std::mt19937 rng(11);
  std::normal_distribution<double> noise(0.0, 8.0);
  for (std::size_t k = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < 30; ++i) {
        const double r = std::hypot(static_cast<double>(i) - 30.0, static_cast<double>(j) - 50.0);
        if (r < 16 || r >= 21) continue;  // lateral: unlabelled muscle up to 2 mm under the skin
        const std::size_t v = g.linear_index(i, j, k);
        t.labels.voxels[v] = r < 18 ? t.labels.voxels[v] : 0;
        if (r < 18) continue;
        t.water.voxels[v] = static_cast<float>(std::abs(970.0 + noise(rng)));
        t.fat.voxels[v] = static_cast<float>(std::abs(30.0 + noise(rng)));
      }
  const auto swapped = swapped_voxels(t);
  std::cout << "fat-replaced muscle under thin fat and unlabelled muscle: " << swapped << " voxels taken for a swap\n";
  EXPECT_EQ(swapped, 0U);
  const auto r = quantification::quantify({&t.labels, &t.water, &t.fat, nullptr, nullptr});
  EXPECT_NEAR(right_quadriceps_ff(r), 90.0, 1.5);
}

TEST(WaterFatSwap, AFattyPartOfTheMuscleBesideASwapKeepsItsFat) {
  // One label, lean laterally (swapped by the ball) and fat-replaced medially (90 %): both read fat-dominant, only
  // the subcutaneous fat over them tells them apart. The medial part must not be exchanged.
  auto t = make_thighs(0.05, 0.05, 40.0);
  const auto& g = t.labels.geometry;
  std::mt19937 rng(13);
  std::normal_distribution<double> noise(0.0, 8.0);
  std::size_t medial = 0;
  for (std::size_t k = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 32; i < 50; ++i) {
        const std::size_t v = g.linear_index(i, j, k);
        if (!t.labels.voxels[v]) continue;
        t.water.voxels[v] = static_cast<float>(std::abs(100.0 + noise(rng)));
        t.fat.voxels[v] = static_cast<float>(std::abs(900.0 + noise(rng)));
        ++medial;
      }
  const auto d = quantification::detect_water_fat_swaps(t.labels, t.water, t.fat);
  ASSERT_EQ(d.regions.size(), 1U);
  std::size_t flipped_medial = 0;
  for (std::size_t k = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 32; i < 50; ++i)
        if (t.labels.at(i, j, k) && d.swapped.at(i, j, k)) ++flipped_medial;
  std::cout << "fat-replaced medial part beside a swap: " << flipped_medial << " of " << medial
            << " voxels exchanged\n";
  EXPECT_LT(flipped_medial, medial / 50);
}
