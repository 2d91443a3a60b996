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
