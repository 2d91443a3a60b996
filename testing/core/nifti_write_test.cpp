// MyoScope writes NIfTI itself (header here, gzip in parallel members through libdeflate). These tests read the
// files back through ITK and zlib, the readers every other tool uses, so a header or stream mistake shows up as a
// changed voxel or geometry.
#include <gtest/gtest.h>
#include <zlib.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>

#include "myo/core/error.hpp"
#include "myo/core/nifti_integers.hpp"
#include "myo/core/nifti_io.hpp"
#include "myo/testing/test_support.hpp"

namespace myo::core {
namespace {
namespace fs = std::filesystem;

// 2.6 MB of float voxels: several 1 MiB gzip members, on an oblique grid.
ImageVolume random_volume(const Mat3& direction, unsigned seed) {
  Geometry g;
  g.size = {128, 100, 51};
  g.spacing_mm = {0.75, 0.8, 4.5};
  g.origin_mm = {-140.25, 95.5, -312.125};
  g.direction = direction;
  ImageVolume v(g);
  std::mt19937 random(seed);
  std::normal_distribution<float> value(200.0F, 80.0F);
  for (auto& x : v.voxels) x = value(random);
  return v;
}

Mat3 oblique() { return direction_from_cosines(normalized({0.95, 0.2, -0.1}), normalized(cross({0, 0, 1}, {0.95, 0.2, -0.1}))); }

Mat3 left_handed() {  // the slice axis against row x column: NIfTI's qfac = -1
  Mat3 d = direction_from_cosines({1, 0, 0}, {0, 0, -1});
  for (int r = 0; r < 3; ++r) d[3 * r + 2] = -d[3 * r + 2];
  return d;
}

void expect_same_geometry(const Geometry& back, const Geometry& g) {
  EXPECT_EQ(back.size, g.size);
  for (int a = 0; a < 3; ++a) {
    EXPECT_NEAR(back.spacing_mm[a], g.spacing_mm[a], 1e-5);
    EXPECT_NEAR(back.origin_mm[a], g.origin_mm[a], 1e-3);
  }
  for (int i = 0; i < 9; ++i) EXPECT_NEAR(back.direction[i], g.direction[i], 1e-5) << "direction element " << i;
}

std::string inflate_all(const fs::path& path) {
  gzFile file = gzopen(path.c_str(), "rb");
  EXPECT_NE(file, nullptr);
  std::string out;
  std::vector<char> chunk(1 << 16);
  int n = 0;
  while ((n = gzread(file, chunk.data(), static_cast<unsigned>(chunk.size()))) > 0) out.append(chunk.data(), static_cast<std::size_t>(n));
  gzclose(file);
  return out;
}

TEST(NiftiWrite, GzipRoundTripThroughItkKeepsVoxelsAndGeometry) {
  testing::TempDir dir;
  for (const auto& direction : {oblique(), left_handed()}) {
    const auto volume = random_volume(direction, 7);
    const auto path = dir.path() / "image.nii.gz";
    write_image(volume, path);
    const auto back = read_image(path);
    expect_same_geometry(back.geometry, volume.geometry);
    EXPECT_EQ(back.voxels, volume.voxels);  // bit for bit
  }
}

TEST(NiftiWrite, GzipIsSeveralMembersThatGzipAndZlibReadAsOneStream) {
  testing::TempDir dir;
  const auto volume = random_volume(oblique(), 11);
  const auto path = dir.path() / "image.nii.gz";
  NiftiWriteOptions options;
  options.compression_level = 6;
  options.threads = 3;
  write_image(volume, path, options);
  const std::string raw = inflate_all(path);
  const std::size_t voxel_bytes = volume.voxels.size() * sizeof(float);
  ASSERT_EQ(raw.size(), 352 + voxel_bytes);
  EXPECT_EQ(std::memcmp(raw.data() + 352, volume.voxels.data(), voxel_bytes), 0);
  // More than one member: the gzip magic and deflate method appear again after the first member's start.
  std::ifstream in(path, std::ios::binary);
  const std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(file.find("\x1f\x8b\x08", 3), std::string::npos);
  if (std::system("gzip --version >/dev/null 2>&1") != 0) GTEST_SKIP() << "gzip is not installed: cannot run gzip -t";
  EXPECT_EQ(std::system(("gzip -t '" + path.string() + "'").c_str()), 0);
}

TEST(NiftiWrite, UncompressedNiiHoldsHeaderAndVoxelsAsIs) {
  testing::TempDir dir;
  const auto volume = random_volume(left_handed(), 3);
  const auto path = dir.path() / "image.nii";
  write_image(volume, path);
  EXPECT_EQ(fs::file_size(path), 352 + volume.voxels.size() * sizeof(float));
  const auto back = read_image(path);
  expect_same_geometry(back.geometry, volume.geometry);
  EXPECT_EQ(back.voxels, volume.voxels);
}

TEST(NiftiWrite, SeriesBecomesOne4DFileInTheGivenOrder) {
  testing::TempDir dir;
  std::vector<ImageVolume> volumes;
  for (unsigned v = 0; v < 3; ++v) volumes.push_back(random_volume(oblique(), 20 + v));
  const auto path = dir.path() / "series.nii.gz";
  write_image_series(volumes, path, 2.5);
  const std::string raw = inflate_all(path);
  const std::size_t volume_bytes = volumes.front().voxels.size() * sizeof(float);
  ASSERT_EQ(raw.size(), 352 + 3 * volume_bytes);
  std::int16_t dim[8] = {};
  std::memcpy(dim, raw.data() + 40, sizeof(dim));
  EXPECT_EQ(dim[0], 4);
  EXPECT_EQ(dim[4], 3);
  float pixdim[8] = {};
  std::memcpy(pixdim, raw.data() + 76, sizeof(pixdim));
  EXPECT_FLOAT_EQ(pixdim[4], 2.5F);
  for (std::size_t v = 0; v < 3; ++v) {
    EXPECT_EQ(std::memcmp(raw.data() + 352 + v * volume_bytes, volumes[v].voxels.data(), volume_bytes), 0) << "volume " << v;
  }
  // The same qform and sform as the 3D file of the first volume (whose grid ITK reads back exactly, above).
  write_image(volumes.front(), dir.path() / "first.nii.gz");
  const std::string first = inflate_all(dir.path() / "first.nii.gz");
  EXPECT_EQ(raw.substr(252, 92), first.substr(252, 92));
}

// Values decoded from 16-bit stored integers (float(stored x slope + intercept), as the DICOM loader computes them).
ImageVolume rescaled_volume(const IntegerScaling& scaling, int lowest, unsigned seed) {
  auto v = random_volume(oblique(), seed);
  std::mt19937 random(seed);
  std::uniform_int_distribution<int> stored(lowest, lowest + 40000);
  for (auto& x : v.voxels) x = static_cast<float>(static_cast<double>(stored(random)) * scaling.slope + scaling.intercept);
  return v;
}

// Stored integers come back as int16 (uint16 above 32767) with the rescale in scl_slope/scl_inter, and ITK reads the
// same values back; a value no 16-bit integer gives (here 0.3 off the grid) keeps the whole file float32.
TEST(NiftiWrite, StoredIntegersAreWrittenWithTheirRescale) {
  testing::TempDir dir;
  const IntegerScaling scaling{0.25, -100.0};
  for (const int lowest : {-20000, 0}) {
    SCOPED_TRACE("lowest stored value " + std::to_string(lowest));
    const std::vector<ImageVolume> volumes{rescaled_volume(scaling, lowest, 3), rescaled_volume(scaling, lowest, 4)};
    const auto path = dir.path() / "stored.nii";
    EXPECT_TRUE(write_image_series_as_integers(volumes, path, 1.0, scaling));
    const std::string raw = inflate_all(path);
    std::int16_t datatype = 0;
    float slope_inter[2] = {};
    std::memcpy(&datatype, raw.data() + 70, 2);
    std::memcpy(slope_inter, raw.data() + 112, sizeof(slope_inter));
    EXPECT_EQ(datatype, lowest < 0 ? 4 : 512);  // DT_INT16 / DT_UINT16 (stored values up to 40000)
    EXPECT_EQ(slope_inter[0], 0.25F);
    EXPECT_EQ(slope_inter[1], -100.0F);
    EXPECT_EQ(raw.size(), 352 + 2 * volumes.front().voxels.size() * sizeof(std::int16_t));
    EXPECT_TRUE(write_image_series_as_integers({volumes.front()}, dir.path() / "first.nii", 0.0, scaling));
    EXPECT_EQ(read_image(dir.path() / "first.nii").voxels, volumes.front().voxels);
  }
  auto off_grid = rescaled_volume(scaling, 0, 5);
  off_grid.voxels[17] += 0.3F;
  const auto path = dir.path() / "float.nii";
  EXPECT_FALSE(write_image_series_as_integers({off_grid}, path, 0.0, scaling));
  EXPECT_EQ(read_image(path).voxels, off_grid.voxels);
}

TEST(NiftiWrite, VolumesOnDifferentGridsAreRefused) {
  testing::TempDir dir;
  auto other = random_volume(oblique(), 2);
  other.geometry.origin_mm[2] += 10.0;
  EXPECT_THROW(write_image_series({random_volume(oblique(), 1), other}, dir.path() / "x.nii.gz", 1.0), MyoError);
  EXPECT_FALSE(fs::exists(dir.path() / "x.nii.gz"));
}

}  // namespace
}  // namespace myo::core
