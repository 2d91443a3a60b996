// The sampling behind the slice figures, the PACS overlay series and the viewer's slices (figures_internal.hpp): the
// inline rounding and the trilinear interior path give, bit for bit, what lround and the general interpolation give, and
// one voxel index serves only layers on the identical grid. Outputs are compared byte for byte across releases, so
// "close" is not enough here. Also the text renderer's lock: lettering from several threads at once. No display.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <thread>

#include "canvas.hpp"
#include "figures_internal.hpp"
#include "sampling_probe.hpp"

namespace {

using myo::core::Geometry;
using myo::core::ImageVolume;
using myo::core::Vec3;
using namespace myo::rendering::detail;

using myo::testing::same_bits;

ImageVolume random_volume(std::array<std::size_t, 3> size, std::mt19937& random) {
  Geometry g;
  g.size = size;
  g.spacing_mm = {1.7, 1.7, 3.0};
  return myo::testing::random_image(g, random);
}

}  // namespace

// lround's results, halves and the doubles just below them included (floor(x + 0.5) fails on 0.49999999999999994).
TEST(SliceSampling, RoundingMatchesLround) {
  const double below_half = std::nextafter(0.5, 0.0);
  std::vector<double> values{0.0, -0.0, 0.5, -0.5, 1.5, -1.5, 2.5, -2.5, below_half, -below_half, 1 + below_half,
                             4503599627370495.5, 4503599627370497.0, -4503599627370495.5, 1e18, -1e18, 254.5, 127.5};
  std::mt19937 random(7);
  std::uniform_real_distribution<double> any(-1000.0, 1000.0);
  for (int i = 0; i < 100000; ++i) values.push_back(any(random));
  for (int i = -2000; i <= 2000; ++i) values.push_back(i / 4.0);  // quarters: every half in range
  for (const double x : values) EXPECT_EQ(round_half_away(x), std::lround(x)) << x;
  EXPECT_LT(round_half_away(std::numeric_limits<double>::quiet_NaN()), 0);  // "outside" for a voxel index
  EXPECT_LT(round_half_away(std::numeric_limits<double>::infinity()), 0);
}

// Anywhere in and around a grid (interior, edges, exact voxel centres, single-voxel axis), linear_at is the general
// interpolation (the code every sample went through before the interior path) to the last bit.
TEST(SliceSampling, TrilinearIsTheReferenceToTheBit) {
  std::mt19937 random(11);
  for (const auto size : {std::array<std::size_t, 3>{9, 7, 5}, std::array<std::size_t, 3>{6, 5, 1}}) {
    const auto volume = random_volume(size, random);
    std::size_t compared = 0;
    for (int i = 0; i < 200000; ++i) {
      Vec3 index{};
      for (std::size_t a = 0; a < 3; ++a) {
        std::uniform_real_distribution<double> along(-0.7, static_cast<double>(size[a]) - 0.3);
        index[a] = i % 5 == 0 ? std::round(along(random)) : along(random);  // every fifth on voxel centres
      }
      const auto expected = linear_general(volume, index);
      const auto got = linear_at(volume, index);
      ASSERT_EQ(got.has_value(), expected.has_value()) << index[0] << ", " << index[1] << ", " << index[2];
      if (!got) continue;
      ASSERT_TRUE(same_bits(*got, *expected)) << index[0] << ", " << index[1] << ", " << index[2] << ": " << *got
                                              << " vs " << *expected;
      ++compared;
    }
    EXPECT_GT(compared, 100000U);
  }
}

// A layer on the labels' grid to the bit shares their index; one within Geometry::same_grid's tolerance but not
// identical (an origin 0.0004 mm away) is sampled on its own grid, as it was before the index was shared.
TEST(SliceSampling, OnlyIdenticalGridsShareTheIndex) {
  Geometry labels;
  labels.size = {20, 20, 10};
  labels.spacing_mm = {1.5, 1.5, 3.0};
  labels.origin_mm = {-10.0, 5.0, 100.0};
  Geometry near = labels;
  near.origin_mm[0] += 0.0004;
  ASSERT_TRUE(near.same_grid(labels));
  const myo::core::MaskVolume on_labels(labels), beside(near);
  const Vec3 p{3.3, 17.1, 121.0};
  const Vec3 labels_index = labels.physical_to_index(p);
  EXPECT_EQ(LayerIndex(&on_labels, labels)(labels_index, p), labels_index);
  EXPECT_EQ(LayerIndex(&beside, labels)(labels_index, p), near.physical_to_index(p));
  EXPECT_NE(near.physical_to_index(p), labels_index);
  EXPECT_EQ(LayerIndex(static_cast<const ImageVolume*>(nullptr), labels)(labels_index, p), labels_index);
}

// VTK's text renderer is one FreeType cache for the process: lettering from four threads at once (the overlay series
// beside the figures) must neither crash nor change a pixel. Without the lock this crashed in libfreetype or drew
// garbled glyphs.
TEST(TextLock, LetteringFromManyThreadsAtOnce) {
  const auto letter = [](int round) {
    Canvas canvas(420, 60, kBlack);
    const std::string text = "crotch " + std::to_string(round % 97) + " mm  Fat fraction (%) \u2265 70";
    canvas.text(text, 4, 4, {12 + round % 9, kWhite, round % 2 == 0, HAlign::left, VAlign::top, 0, round % 3 == 0});
    (void)canvas.text_size(text, {17, kWhite, true});
    std::vector<Rgb> pixels;
    for (int y = 0; y < canvas.height(); ++y)
      for (int x = 0; x < canvas.width(); ++x) pixels.push_back(canvas.get(x, y));
    return pixels;
  };
  constexpr int kRounds = 300;
  std::vector<std::vector<Rgb>> expected;
  for (int r = 0; r < kRounds; ++r) expected.push_back(letter(r));
  std::vector<int> differing(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int r = 0; r < kRounds; ++r) {
        const auto pixels = letter(r);
        const bool same = std::equal(pixels.begin(), pixels.end(), expected[static_cast<std::size_t>(r)].begin(),
                                     [](Rgb a, Rgb b) { return a.r == b.r && a.g == b.g && a.b == b.b; });
        differing[static_cast<std::size_t>(t)] += same ? 0 : 1;
      }
    });
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(differing[static_cast<std::size_t>(t)], 0) << "thread " << t;
}
