#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "myo/core/nifti_io.hpp"
#include "myo/segmentation/segment.hpp"
#include "myo/testing/test_support.hpp"

using namespace myo;

// Real Dixon images (QMRITools lower-leg water/fat, ../shared/data; skips with a reason when absent). The groups
// are hip and thigh groups, so they cannot be scored on a leg; what transfers is the tissue, compartment and bone
// stage: what is labelled must be muscle tissue, most muscle tissue must be labelled, and the bones (tibia and
// fibula, cortex around fatty marrow) must never be.
TEST(SegmentationData, RealDixonLegLabelsMuscleTissueAndLeavesFatAndBone) {
  MYO_REQUIRE_SHARED_DATA(data);
  const auto base = data / "muscle-mri" / "qmritools-demo";
  const auto water = core::read_image(base / "water.nii.gz");
  const auto fat = core::read_image(base / "fat.nii.gz");
  ASSERT_TRUE(water.geometry.same_grid(fat.geometry));
  const auto result = segmentation::segment_muscle_groups({&water, &fat, nullptr, nullptr});

  // Muscle tissue by the images alone: clearly water-dominant and well above the noise.
  std::vector<float> total;
  for (std::size_t i = 0; i < water.voxels.size(); ++i) total.push_back(water.voxels[i] + fat.voxels[i]);
  std::vector<float> sorted = total;
  std::sort(sorted.begin(), sorted.end());
  const double bright = sorted[sorted.size() * 99 / 100];
  std::size_t labelled = 0, labelled_muscle = 0, labelled_fat = 0, muscle = 0, muscle_labelled = 0, bone_labelled = 0;
  for (std::size_t i = 0; i < water.voxels.size(); ++i) {
    const double ff = total[i] > 0 ? fat.voxels[i] / total[i] : 0.0;
    const bool is_muscle = total[i] > 0.15 * bright && ff < 0.3;
    const bool is_fat = total[i] > 0.15 * bright && ff > 0.8;
    const bool is_labelled = result.labels.voxels[i] != 0;
    labelled += is_labelled;
    labelled_muscle += is_labelled && is_muscle;
    labelled_fat += is_labelled && is_fat;
    muscle += is_muscle;
    muscle_labelled += is_muscle && is_labelled;
    // The exported bone mask reaches 1.5 mm past the cortex; what must never be labelled is bone itself (marrow fat
    // or signal void), not the muscle it touches.
    bone_labelled += is_labelled && !is_muscle && !result.bone.voxels.empty() && result.bone.voxels[i];
  }
  ASSERT_GT(labelled, 10000U);
  const double precision = static_cast<double>(labelled_muscle) / static_cast<double>(labelled);
  const double recall = static_cast<double>(muscle_labelled) / static_cast<double>(muscle);
  const double fat_share = static_cast<double>(labelled_fat) / static_cast<double>(labelled);
  std::printf("real leg Dixon: %zu labelled voxels, %.3f muscle tissue, %.3f pure fat; %.3f of muscle tissue labelled; "
              "%zu labelled bone (not muscle) voxels\n", labelled, precision, fat_share, recall, bone_labelled);
  EXPECT_GT(precision, 0.85);
  EXPECT_LT(fat_share, 0.03);
  EXPECT_GT(recall, 0.80);
  // Measured: 0.943 / 0.012 / 0.883, and 0.22 % of labelled voxels at the bone's partial-volume rim (the figures
  // of the atlas with 10 mm level bins, 0.942 / 0.012 / 0.885, are the same).
  EXPECT_LT(static_cast<double>(bone_labelled), 0.005 * static_cast<double>(labelled));
  // For looking at it: MYO_REVIEW_DIR=folder writes the labels and bone beside the images' grid.
  if (const char* review = std::getenv("MYO_REVIEW_DIR")) {
    core::write_labels(result.labels, std::filesystem::path(review) / "real_leg_labels.nii.gz");
    core::LabelVolume bone(result.bone.geometry, 0);
    std::copy(result.bone.voxels.begin(), result.bone.voxels.end(), bone.voxels.begin());
    core::write_labels(bone, std::filesystem::path(review) / "real_leg_bone.nii.gz");
  }
}
