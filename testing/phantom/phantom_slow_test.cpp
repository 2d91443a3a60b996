// Full-size studies (default resolution): output size, and the fat fraction measured from the written Dixon pixels
// per group against the truth. Label `slow` (the generation time is a benchmark: testing/benchmarks/bench_study.sh).
#include <gtest/gtest.h>

#include <iostream>

#include "phantom_test_support.hpp"

using namespace phantom_test;  // NOLINT: test file

// The default study at full resolution: written on the 1.5 mm Dixon grid, and its Dixon pixels measure the truth.
TEST(PhantomSlow, DefaultStudyIsMeasurable) {
  myo::testing::TempDir dir;
  PhantomParams params;  // defaults: Siemens, IMNM, seed 1, Dixon 1.5 mm
  const auto result = myo::phantom::generate_study(params, dir.path());
  std::uintmax_t bytes = 0;
  for (const auto& f : result.files) bytes += std::filesystem::file_size(f);
  std::cout << "default study: " << result.files.size() << " files, " << bytes / (1024 * 1024) << " MiB\n";
  EXPECT_NEAR(result.truth.labels.geometry.spacing_mm[0], 1.5, 1e-9);
  EXPECT_NEAR(result.truth.labels.geometry.spacing_mm[2], 3.0, 1e-9);

  // Fat fraction from the written Dixon water/fat pixels, per group and side, against the truth. Partial volume at
  // the edges and the Rician floor bias this a little; the tolerance says how much.
  const auto truth = read_truth(dir.path());
  const auto& labels = result.truth.labels;
  const auto images = read_study(dir.path() / "dicom", true);
  std::map<long, const Image*> water, fat;
  for (const auto& im : images) {
    if (im.image_type == "DERIVED\\PRIMARY\\DIXON\\WATER") water[std::lround(im.position[2] * 10)] = &im;
    if (im.image_type == "DERIVED\\PRIMARY\\DIXON\\FAT") fat[std::lround(im.position[2] * 10)] = &im;
  }
  const auto& g = labels.geometry;
  ASSERT_EQ(water.size(), g.size[2]);
  std::map<int, std::pair<double, double>> sums;
  for (std::size_t k = 0; k < g.size[2]; ++k) {
    const long key = std::lround(g.index_to_physical({0, 0, static_cast<double>(k)})[2] * 10);
    const Image* w = water.at(key);
    const Image* f = fat.at(key);
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i) {
        const auto label = labels.at(i, j, k);
        if (label == 0) continue;
        sums[label].first += w->pixels[j * g.size[0] + i];
        sums[label].second += f->pixels[j * g.size[0] + i];
      }
  }
  for (const auto& t : truth["groups"]) {
    const auto& s = sums[t["label"].get<int>()];
    const double measured = 100.0 * s.second / (s.first + s.second);
    const double tissue = t["fat_fraction_pct"];
    const double voxel = t["fat_fraction_voxel_pct"];
    std::cout << t["group"].get<std::string>() << ' ' << t["side"].get<std::string>() << ": tissue " << tissue
              << " %, voxel " << voxel << " %, Dixon " << measured << " %\n";
    // Against the partial-volume truth only the Rician noise floor and the integer rounding remain.
    EXPECT_NEAR(measured, voxel, 1.5) << t.dump();
    // Against the tissue truth, thin muscles carry partial volume with their fat septa.
    const std::string name = t["group"];
    const bool thin = name == "sartorius" || name == "gracilis" || name == "tensor_fasciae_latae";
    EXPECT_NEAR(measured, tissue, thin ? 6.0 : 3.0) << t.dump();
  }
}
