// The DICOM writer on its own: PixelSpacing order with non-square pixels, orientation of a sagittal stack,
// rescaling of small float ranges, vendor file naming, deterministic UIDs.
#include <gtest/gtest.h>

#include "myo/dicom/write.hpp"
#include "myo/phantom/vendor_series.hpp"
#include "phantom_test_support.hpp"

using namespace phantom_test;  // NOLINT: test file

namespace {

myo::core::ImageVolume ramp(const myo::core::Geometry& g, float scale) {
  myo::core::ImageVolume v(g);
  for (std::size_t i = 0; i < v.voxels.size(); ++i) v.voxels[i] = scale * static_cast<float>(i % 97);
  return v;
}

}  // namespace

// Guards the classic PixelSpacing trap: the first value is the spacing between ROWS (along the column direction).
TEST(Writer, NonSquarePixelsAndSagittalOrientation) {
  myo::testing::TempDir dir;
  myo::core::Geometry g;
  g.size = {6, 4, 3};  // 6 columns, 4 rows
  g.spacing_mm = {0.8, 1.2, 5.0};
  g.direction = myo::core::direction_from_cosines({0, 1, 0}, {0, 0, -1});  // sagittal
  g.origin_mm = {30, -20, 100};
  const auto volume = ramp(g, 10.0F);
  myo::phantom::SeriesTags tags;
  tags.vendor = Vendor::siemens;
  tags.series_description = "t1_tse_sag";
  const auto files = myo::phantom::write_vendor_series({{myo::dicom::SeriesRole::t1, &volume}}, {}, tags, dir.path());
  ASSERT_EQ(files.size(), 3U);
  auto images = read_study(dir.path(), true);
  std::sort(images.begin(), images.end(), [](const Image& a, const Image& b) { return a.instance < b.instance; });
  EXPECT_EQ(images[0].rows, 4);
  EXPECT_EQ(images[0].columns, 6);
  EXPECT_DOUBLE_EQ(images[0].pixel_spacing[0], 1.2);
  EXPECT_DOUBLE_EQ(images[0].pixel_spacing[1], 0.8);
  EXPECT_EQ(images[0].orientation_text, "0\\1\\0\\0\\0\\-1");
  // Slice normal of a sagittal stack with these cosines is -x: positions step towards patient right.
  EXPECT_NEAR(images[1].position[0] - images[0].position[0], -5.0, 1e-6);
  EXPECT_NEAR(images[0].position[1], -20.0, 1e-6);
  // Values in the scanner range are stored as they are (no rescale) and survive exactly.
  EXPECT_DOUBLE_EQ(images[0].slope, 1.0);
  for (std::size_t i = 0; i < images[0].pixels.size(); ++i)
    EXPECT_EQ(images[0].pixels[i], static_cast<Uint16>(volume.voxels[i])) << i;
}

// Small float ranges (e.g. fractions 0..1) get a rescale slope instead of being rounded to nothing; Philips always
// stores 12-bit values with a slope.
TEST(Writer, RescaleKeepsFloatRange) {
  for (const Vendor vendor : {Vendor::ge, Vendor::philips}) {
    myo::testing::TempDir dir;
    myo::core::Geometry g;
    g.size = {8, 8, 2};
    const auto volume = ramp(g, 0.01F);  // 0 .. 0.96
    myo::phantom::SeriesTags tags;
    tags.vendor = vendor;
    myo::phantom::write_vendor_series({{myo::dicom::SeriesRole::t1, &volume}}, {}, tags, dir.path());
    auto images = read_study(dir.path(), true);
    std::sort(images.begin(), images.end(), [](const Image& a, const Image& b) { return a.instance < b.instance; });
    ASSERT_EQ(images.size(), 2U);
    EXPECT_LT(images[0].slope, 0.01);
    for (std::size_t i = 0; i < images[0].pixels.size(); ++i)
      EXPECT_NEAR(images[0].pixels[i] * images[0].slope + images[0].intercept, volume.voxels[i], images[0].slope);
    if (vendor == Vendor::philips) {
      for (const auto& im : images) EXPECT_EQ(im.path.filename().string().rfind("IM_", 0), 0U);
    }
  }
}

TEST(Writer, UidsFromKeysAreStableValidAndDistinct) {
  const std::string a = myo::dicom::uid_from_key("study/1");
  EXPECT_EQ(a, myo::dicom::uid_from_key("study/1"));
  EXPECT_NE(a, myo::dicom::uid_from_key("study/2"));
  EXPECT_EQ(a.rfind("2.25.", 0), 0U);
  EXPECT_LE(a.size() + 6, 64U) << "room for .<instance> suffixes";
  EXPECT_EQ(a.find_first_not_of("0123456789."), std::string::npos);
  EXPECT_NE(a[5], '0') << "no leading zero in a UID component";
  EXPECT_NE(myo::dicom::new_uid(), myo::dicom::new_uid());
}
