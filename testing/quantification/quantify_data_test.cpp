// Real data: the GE thigh of the MuscleMap fat-fraction example (3-echo Dixon fitted by MuscleMap into water, fat and
// fat-fraction maps, testing/../shared/data/muscle-mri/swastling-musclemap). Our fat fraction from its water and fat
// images must agree with its own fat-fraction map over the tissue of the masked right thigh.
#include <gtest/gtest.h>

#include <cmath>
#include <iostream>

#include "myo/core/muscle_catalog.hpp"
#include "myo/core/nifti_io.hpp"
#include "myo/core/statistics.hpp"
#include "myo/quantification/quantify.hpp"
#include "myo/testing/test_support.hpp"

using namespace myo;

namespace {

struct Agreement {
  std::size_t voxels = 0;
  double mae = 0, bias = 0;
};

}  // namespace

TEST(QuantifyData, GeThighFatFractionAgreesWithTheReferenceMap) {
  MYO_REQUIRE_SHARED_DATA(data);
  const auto base = data / "muscle-mri" / "swastling-musclemap" / "ff" / "ge" / "thigh_masked";
  if (!std::filesystem::exists(base / "output" / "fatfraction.nii.gz"))
    GTEST_SKIP() << base.string() << " is absent: real-data test skipped";
  const auto water = core::read_image(base / "output" / "water.nii.gz");
  const auto fat = core::read_image(base / "output" / "fat.nii.gz");
  const auto reference = core::read_image(base / "output" / "fatfraction.nii.gz");
  ASSERT_TRUE(water.geometry.same_grid(fat.geometry));
  ASSERT_TRUE(water.geometry.same_grid(reference.geometry));

  // Tissue: inside the reference's mask (where its map is non-zero) with signal above a fifth of the bright tissue;
  // the mask's edge holds background noise (negative water, FF far outside 0-100 %) that no method can match.
  const std::size_t n = water.voxels.size();
  std::vector<float> inside;
  for (std::size_t i = 0; i < n; ++i)
    if (reference.voxels[i] != 0) inside.push_back(water.voxels[i] + fat.voxels[i]);
  ASSERT_GT(inside.size(), 1000U);
  const double tissue_level = 0.2 * core::percentile(inside, 0.95);
  core::LabelVolume labels(water.geometry, 0);
  const auto label = static_cast<std::uint16_t>(core::MuscleCatalog::instance().find("quadriceps")->label_right);
  for (std::size_t i = 0; i < n; ++i)
    if (reference.voxels[i] != 0 && water.voxels[i] + fat.voxels[i] > tissue_level) labels.voxels[i] = label;

  // MuscleMap's water and fat come from a complex fit (they can be negative), not magnitude images: the Rician
  // noise-floor correction is for magnitudes, so it is off here.
  quantification::QuantificationParams params;
  params.noise_floor_correction = false;
  const auto r = quantification::quantify({&labels, &water, &fat, nullptr, nullptr}, params);
  ASSERT_TRUE(r.fat_fraction_map_pct);
  EXPECT_TRUE(r.method.swap_regions.empty());  // the study has no swap

  // All tissue, and muscle (voxels the reference calls below 50 % fat).
  Agreement all, muscle;
  double ours_sum = 0, reference_sum = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (!labels.voxels[i]) continue;
    const double ours = r.fat_fraction_map_pct->voxels[i], ref = reference.voxels[i];
    for (auto* a : {&all, ref < 50 ? &muscle : nullptr}) {
      if (!a) continue;
      ++a->voxels;
      a->mae += std::abs(ours - ref);
      a->bias += ours - ref;
    }
    ours_sum += ours;
    reference_sum += ref;
  }
  for (auto* a : {&all, &muscle}) a->mae /= static_cast<double>(a->voxels), a->bias /= static_cast<double>(a->voxels);
  const double ours_mean = ours_sum / static_cast<double>(all.voxels);
  const double reference_mean = reference_sum / static_cast<double>(all.voxels);
  std::cout << "GE thigh tissue, " << all.voxels << " voxels: voxel-wise MAE " << all.mae << " pp, bias " << all.bias
            << " pp; mean FF ours " << ours_mean << " %, reference " << reference_mean << " %\n"
            << "GE thigh muscle (reference FF < 50 %), " << muscle.voxels << " voxels: MAE " << muscle.mae
            << " pp, bias " << muscle.bias << " pp\n";
  RecordProperty("tissue_voxel_mae_pp", std::to_string(all.mae));
  RecordProperty("muscle_voxel_mae_pp", std::to_string(muscle.mae));
  // Measured: tissue MAE 2.9 pp (bias -1.7), muscle MAE 2.0 pp (bias +2.0): MuscleMap's map is not F/(W+F) of the
  // water and fat images it writes beside it (muscle reads 2 pp higher with ours, fat lower, consistently), so the
  // limits sit just above the measured agreement and guard against regressions, not the 0.5 pp of an identical method.
  EXPECT_LT(all.mae, 3.5);
  EXPECT_LT(muscle.mae, 2.5);
  EXPECT_LT(std::abs(muscle.bias), 2.5);
  EXPECT_NEAR(ours_mean, reference_mean, 2.5);
}
