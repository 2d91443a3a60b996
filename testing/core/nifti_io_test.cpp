#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <vector>

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

// A NIfTI of int16 with a scale slope, as dcm2niix writes field maps: ITK reports its voxels as float, yet the file
// holds two bytes a voxel. The size check reads the file's own header, so the intact file is read, not refused.
TEST(NiftiIo, ScaledIntegerFileIsReadNotRefusedAsTruncated) {
  myo::testing::TempDir dir;
  std::vector<char> header(352, 0);
  const auto put = [&](std::size_t at, auto value) { std::memcpy(header.data() + at, &value, sizeof(value)); };
  put(0, std::int32_t{348});
  const std::int16_t dims[8] = {3, 4, 3, 2, 1, 1, 1, 1};
  std::memcpy(header.data() + 40, dims, sizeof(dims));
  put(70, std::int16_t{4});  // int16
  put(72, std::int16_t{16});
  const float pixdim[8] = {1, 1, 1, 1, 1, 1, 1, 1};
  std::memcpy(header.data() + 76, pixdim, sizeof(pixdim));
  put(108, 352.0F);  // vox_offset
  put(112, 0.5F);    // scl_slope
  std::memcpy(header.data() + 344, "n+1", 4);
  std::vector<std::int16_t> voxels(4 * 3 * 2);
  for (std::size_t i = 0; i < voxels.size(); ++i) voxels[i] = static_cast<std::int16_t>(2 * i);
  const auto path = dir.path() / "field_map.nii";
  std::ofstream out(path, std::ios::binary);
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  out.write(reinterpret_cast<const char*>(voxels.data()), static_cast<std::streamsize>(voxels.size() * 2));
  out.close();
  const auto image = read_image(path);
  ASSERT_EQ(image.voxels.size(), voxels.size());
  EXPECT_FLOAT_EQ(image.voxels[5], 5.0F);  // 10 × slope 0.5
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
