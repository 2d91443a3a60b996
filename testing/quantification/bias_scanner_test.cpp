// N4 bias correction of the STIR and the scanner's fat-fraction map.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "myo/core/muscle_catalog.hpp"
#include "myo/core/parallel.hpp"
#include "myo/quantification/bias_field.hpp"
#include "myo/quantification/quantify.hpp"

using namespace myo;

namespace {

core::Geometry grid() {
  core::Geometry g;
  g.size = {80, 60, 24};
  g.spacing_mm = {3, 3, 6};
  return g;
}

bool in_muscle(std::size_t i, std::size_t j) { return i >= 8 && i < 72 && j >= 8 && j < 52; }

double coefficient_of_variation(const core::ImageVolume& v, const core::MaskVolume& mask) {
  double s = 0, s2 = 0, n = 0;
  for (std::size_t i = 0; i < v.voxels.size(); ++i)
    if (mask.voxels[i]) s += v.voxels[i], s2 += double(v.voxels[i]) * v.voxels[i], n += 1;
  const double mean = s / n;
  return std::sqrt(s2 / n - mean * mean) / mean;
}

// Uniform muscle (in_muscle, every slice) of STIR 200 under the coil field bias(i, j, k), with noise; `mask` is the
// muscle.
struct BiasedStir {
  core::ImageVolume stir;
  core::MaskVolume mask;
};

template <class Field>
BiasedStir biased_stir(unsigned seed, const Field& bias) {
  const auto g = grid();
  BiasedStir out{core::ImageVolume(g, 0.0F), core::MaskVolume(g, 0)};
  std::mt19937 rng(seed);
  std::normal_distribution<double> noise(0.0, 3.0);
  for (std::size_t k = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i) {
        if (!in_muscle(i, j)) continue;
        const auto v = g.linear_index(i, j, k);
        out.stir.voxels[v] = static_cast<float>(200.0 * bias(static_cast<double>(i), static_cast<double>(j),
                                                             static_cast<double>(k)) + noise(rng));
        out.mask.voxels[v] = 1;
      }
  return out;
}

}  // namespace

TEST(BiasField, N4FlattensASmoothCoilFieldOverUniformMuscle) {
  const auto g = grid();
  const auto [stir, mask] = biased_stir(5, [](double i, double, double k) {
    return std::exp(0.35 * (i / 80.0 - 0.5) + 0.2 * (k / 24.0 - 0.5));
  });
  const auto c = quantification::correct_bias_field(stir, mask);
  const double before = coefficient_of_variation(stir, mask), after = coefficient_of_variation(c.corrected, mask);
  EXPECT_GT(before, 0.08);
  EXPECT_LT(after, before / 3);
  EXPECT_TRUE(c.corrected.geometry.same_grid(g));
}

// N4's B-spline fit sums one lattice per work unit. Its units are a fixed number, run on as many threads as the
// process has: the field must be the same, bit for bit, at any thread count (fewer, as many as or more threads than
// units). Guards against the units following the thread count again, which changed edema voxels at the threshold.
TEST(BiasField, N4FieldIsTheSameAtEveryThreadCount) {
  const auto [stir, mask] = biased_stir(7, [](double i, double j, double) {
    return std::exp(0.4 * (i / 80.0 - 0.5) + 0.1 * j / 60.0);
  });
  core::set_thread_count(1);
  const auto serial = quantification::correct_bias_field(stir, mask);
  for (const unsigned threads : {2U, 3U, 4U, 8U}) {
    core::set_thread_count(threads);
    const auto parallel = quantification::correct_bias_field(stir, mask);
    EXPECT_TRUE(parallel.bias.voxels == serial.bias.voxels) << threads << " threads";
    EXPECT_TRUE(parallel.corrected.voxels == serial.corrected.voxels) << threads << " threads";
  }
  core::set_thread_count(0);
}

TEST(BiasField, EdemaShareSurvivesAStrongCoilFieldAcrossTheLevel) {
  // Edema in a quarter of the rows, STIR 2.3x normal; a left-right coil field of 0.6x to 1.6x across the muscle. The
  // slab reference cannot follow an in-plane field: without N4 the bright side reads as edema.
  const auto g = grid();
  core::LabelVolume labels(g, 0);
  core::ImageVolume stir(g, 0.0F);
  const auto label = static_cast<std::uint16_t>(core::MuscleCatalog::instance().find("adductors")->label_right);
  std::mt19937 rng(9);
  std::normal_distribution<double> noise(0.0, 3.0);
  std::size_t muscle = 0, edema = 0;
  for (std::size_t k = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i) {
        if (!in_muscle(i, j)) continue;
        const std::size_t v = g.linear_index(i, j, k);
        labels.voxels[v] = label;
        const bool is_edema = j >= 8 && j < 19 && (k / 6) % 2 == 0;
        const double bias = std::exp(0.98 * (static_cast<double>(i) - 40.0) / 64.0);
        stir.voxels[v] = static_cast<float>((is_edema ? 460.0 : 200.0) * bias + noise(rng));
        ++muscle;
        edema += is_edema;
      }
  const double truth = 100.0 * static_cast<double>(edema) / static_cast<double>(muscle);
  quantification::QuantificationParams off;
  off.stir_bias_correction = false;
  const auto without = quantification::quantify({&labels, nullptr, nullptr, &stir, nullptr}, off);
  const auto with = quantification::quantify({&labels, nullptr, nullptr, &stir, nullptr});
  EXPECT_EQ(with.method.stir_bias_method, "n4");
  ASSERT_TRUE(with.method.stir_bias_range);
  EXPECT_GT(*with.method.stir_bias_range, 1.5);
  EXPECT_GT(std::abs(*without.groups[0].edema_fraction_pct - truth), 5.0);
  EXPECT_NEAR(*with.groups[0].edema_fraction_pct, truth, 3.0);
}

TEST(ScannerFatFraction, UsedWithoutDixonAndComparedWithDixon) {
  const auto g = grid();
  core::LabelVolume labels(g, 0);
  core::ImageVolume water(g, 0.0F), fat(g, 0.0F), map(g, 0.0F);
  const auto label = static_cast<std::uint16_t>(core::MuscleCatalog::instance().find("adductors")->label_right);
  for (std::size_t k = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i) {
        if (!in_muscle(i, j)) continue;
        const std::size_t v = g.linear_index(i, j, k);
        labels.voxels[v] = label;
        water.voxels[v] = 800;
        fat.voxels[v] = 200;  // 20 %
        map.voxels[v] = 23;   // the scanner says 23 %
      }
  quantification::QuantificationInput only_map{&labels, nullptr, nullptr, nullptr, nullptr, &map};
  const auto a = quantification::quantify(only_map);
  EXPECT_EQ(a.method.fat_method, "scanner_ff_map");
  EXPECT_EQ(a.method.scanner_ff_use, "fat_fraction");
  ASSERT_TRUE(a.groups[0].fat_fraction_pct);
  EXPECT_NEAR(*a.groups[0].fat_fraction_pct, 23.0, 1e-3);
  EXPECT_FALSE(a.groups[0].t1_fat_estimate_pct);

  quantification::QuantificationInput both{&labels, &water, &fat, nullptr, nullptr, &map};
  const auto b = quantification::quantify(both);
  EXPECT_EQ(b.method.fat_method, "dixon_pdff");
  EXPECT_EQ(b.method.scanner_ff_use, "cross_check");
  EXPECT_NEAR(*b.groups[0].fat_fraction_pct, 20.0, 0.5);
  ASSERT_TRUE(b.groups[0].scanner_fat_fraction_pct);
  EXPECT_NEAR(*b.groups[0].scanner_fat_fraction_pct, 23.0, 1e-3);
}
