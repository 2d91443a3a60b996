#include <gtest/gtest.h>

#include "myo/core/nifti_io.hpp"
#include "myo/testing/test_support.hpp"

using namespace myo::core;

TEST(NiftiIo, LabelRoundTripKeepsGeometryAndValues) {
  myo::testing::TempDir dir;
  Geometry g;
  g.size = {5, 6, 7};
  g.spacing_mm = {0.8, 0.9, 5.0};
  g.origin_mm = {-120.5, 30.25, -400};
  g.direction = direction_from_cosines({1, 0, 0}, {0, 0, -1});  // coronal
  LabelVolume labels(g, 0);
  labels.at(1, 2, 3) = 15;
  labels.at(4, 5, 6) = 9;
  const auto path = dir.path() / "labels.nii.gz";
  write_labels(labels, path);
  const LabelVolume back = read_labels(path);
  EXPECT_TRUE(back.geometry.same_grid(g, 1e-3)) << back.geometry.describe();
  EXPECT_EQ(back.voxels, labels.voxels);
}

#include "myo/core/resample.hpp"

TEST(Resample, LinearOntoCoarserGridKeepsPhysicalPositions) {
  Geometry fine;
  fine.size = {20, 20, 20};
  fine.spacing_mm = {1, 1, 1};
  ImageVolume ramp(fine);
  for (std::size_t k = 0; k < 20; ++k)
    for (std::size_t j = 0; j < 20; ++j)
      for (std::size_t i = 0; i < 20; ++i) ramp.at(i, j, k) = static_cast<float>(i);  // value = x in mm
  Geometry coarse;
  coarse.size = {5, 5, 5};
  coarse.spacing_mm = {3, 3, 3};
  coarse.origin_mm = {1.5, 0, 0};
  const ImageVolume out = resample_to(ramp, coarse);
  EXPECT_NEAR(out.at(2, 2, 2), 7.5F, 1e-4);  // x = 1.5 + 2*3
  EXPECT_EQ(out.geometry.size, coarse.size);
}
