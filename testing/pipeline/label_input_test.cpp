// Label maps from any tool (issue #20): `analyze --labels` ended in exit 1 ("internal error", N4: "Inputs do not
// occupy the same physical space") on a NIfTI label map whose origin differed from the image's by 4e-5 mm, as
// float32 headers (nibabel, ITK-SNAP) write it.
#include "myo/pipeline/label_input.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "myo/core/error.hpp"
#include "myo/core/nifti_io.hpp"
#include "myo/testing/test_support.hpp"

using namespace myo;

namespace {

// A grid as DICOM gives it: origin and spacing with more digits than a float32 keeps, slightly oblique.
core::Geometry dicom_like_grid() {
  core::Geometry g;
  g.size = {64, 48, 12};
  g.spacing_mm = {0.80080002546310, 0.80080002546310, 6.000000238418579};
  g.origin_mm = {-210.46879577636719, -222.18679809570312, -97.00000762939453};
  g.direction = core::direction_from_cosines({0.9998477, 0.0174524, 0}, {-0.0174524, 0.9998477, 0});
  return g;
}

core::LabelVolume box_labels(const core::Geometry& g) {
  core::LabelVolume labels(g, 0);
  for (std::size_t k = 2; k < 10; ++k)
    for (std::size_t j = 10; j < 30; ++j)
      for (std::size_t i = 20; i < 40; ++i) labels.at(i, j, k) = 8;
  return labels;
}

}  // namespace

TEST(LabelInput, AFloat32HeaderTakesTheReferenceGridExactly) {
  myo::testing::TempDir dir;
  const auto grid = dicom_like_grid();
  core::write_labels(box_labels(grid), dir.path() / "labels.nii.gz");  // NIfTI-1 keeps the geometry in float32
  const auto read = pipeline::read_label_map(dir.path() / "labels.nii.gz");
  ASSERT_FALSE(read.geometry.same_grid(grid, 1e-7)) << "the header did not lose digits: the test tests nothing";
  const auto conformed = pipeline::conform_labels(read, grid, dir.path() / "labels.nii.gz");
  EXPECT_FALSE(conformed.warning) << *conformed.warning;
  EXPECT_EQ(conformed.labels.geometry.origin_mm, grid.origin_mm);
  EXPECT_EQ(conformed.labels.geometry.spacing_mm, grid.spacing_mm);
  EXPECT_EQ(conformed.labels.geometry.direction, grid.direction);
  EXPECT_EQ(conformed.labels.voxels, box_labels(grid).voxels);
}

TEST(LabelInput, AnOriginOffByASmallFractionOfAVoxelIsTheSameGrid) {
  const auto grid = dicom_like_grid();
  auto shifted = box_labels(grid);
  shifted.geometry.origin_mm[0] += 4e-5;  // the case of the issue
  shifted.geometry.direction[1] += 5e-5;  // and direction cosines within 1e-4
  const auto conformed = pipeline::conform_labels(shifted, grid, "labels.nii.gz");
  EXPECT_FALSE(conformed.warning);
  EXPECT_EQ(conformed.labels.geometry.origin_mm, grid.origin_mm);
}

TEST(LabelInput, AnotherGridIsResampledWithAWarningNamingBothGrids) {
  const auto grid = dicom_like_grid();
  auto coarse_geometry = grid;
  coarse_geometry.size = {32, 24, 12};
  coarse_geometry.spacing_mm = {1.6016, 1.6016, 6.000000238418579};
  core::LabelVolume coarse(coarse_geometry, 0);
  for (std::size_t k = 0; k < 12; ++k)
    for (std::size_t j = 5; j < 15; ++j)
      for (std::size_t i = 10; i < 20; ++i) coarse.at(i, j, k) = 3;
  const auto conformed = pipeline::conform_labels(coarse, grid, "/somewhere/expert.nii.gz");
  ASSERT_TRUE(conformed.warning);
  EXPECT_NE(conformed.warning->find("expert.nii.gz"), std::string::npos) << *conformed.warning;
  EXPECT_NE(conformed.warning->find(coarse_geometry.describe()), std::string::npos) << *conformed.warning;
  EXPECT_NE(conformed.warning->find(grid.describe()), std::string::npos) << *conformed.warning;
  EXPECT_EQ(conformed.labels.geometry.origin_mm, grid.origin_mm);
  EXPECT_GT(std::count(conformed.labels.voxels.begin(), conformed.labels.voxels.end(), 3), 1000);
}

TEST(LabelInput, LabelsOutsideTheImagesAreAnInputError) {
  const auto grid = dicom_like_grid();
  auto elsewhere = box_labels(grid);
  elsewhere.geometry.origin_mm[2] += 500;  // another station, another patient
  try {
    (void)pipeline::conform_labels(elsewhere, grid, "other.nii.gz");
    FAIL() << "labels outside the reference series were accepted";
  } catch (const core::MyoError& e) {
    EXPECT_EQ(e.error().subject, "other.nii.gz");
  }
}

TEST(LabelInput, FloatLabelValuesAreRoundedAndAnImageIsRefused) {
  myo::testing::TempDir dir;
  core::Geometry g;
  g.size = {8, 8, 2};
  core::ImageVolume values(g, 0.0F);
  values.voxels[3] = 2.99998F;  // a tool's float labels
  values.voxels[4] = 13.0F;
  core::write_image(values, dir.path() / "float_labels.nii.gz");
  const auto labels = pipeline::read_label_map(dir.path() / "float_labels.nii.gz");
  EXPECT_EQ(labels.voxels[3], 3);
  EXPECT_EQ(labels.voxels[4], 13);
  values.voxels[5] = 412.37F;  // an intensity image given as labels
  core::write_image(values, dir.path() / "image.nii.gz");
  EXPECT_THROW((void)pipeline::read_label_map(dir.path() / "image.nii.gz"), core::MyoError);
}
