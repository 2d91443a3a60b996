// The slice compositing's tables (plane_grid.hpp): on a grid aligned with the plane, the per-column and per-row
// tables give every pixel the voxel and the trilinear sample of the per-pixel formula (Plane::point, then
// Geometry::physical_to_index) to the bit, at voxel-edge ties, at the grid's border and beyond it; an oblique grid or
// plane gets no tables. draw_plane's pixels are draw_plane_per_pixel's, byte for byte. No display.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "canvas.hpp"
#include "figures_internal.hpp"
#include "plane_grid.hpp"
#include "sampling_probe.hpp"
#include "slice_planes.hpp"

namespace {

using myo::core::Geometry;
using myo::core::ImageVolume;
using myo::core::Vec3;
using namespace myo::rendering::detail;

Geometry grid(std::array<std::size_t, 3> size, Vec3 spacing, Vec3 origin, const Vec3& row, const Vec3& column) {
  Geometry g;
  g.size = size;
  g.spacing_mm = spacing;
  g.origin_mm = origin;
  g.direction = myo::core::direction_from_cosines(row, column);
  return g;
}

// Axial grids as scanners write them, flipped and with their axes in another order, and one whose every pixel of an
// axial plane through voxel centres sits on a voxel edge (index k + 0.5 along x and y).
std::vector<Geometry> aligned_grids() {
  return {grid({12, 9, 7}, {2.0, 1.5, 3.0}, {-11.0, 4.25, 100.0}, {1, 0, 0}, {0, 1, 0}),
          grid({10, 8, 6}, {1.7, 2.3, 2.9}, {30.0, -20.5, 80.0}, {-1, 0, 0}, {0, 1, 0}),
          grid({9, 7, 11}, {2.0, 3.0, 1.25}, {-7.0, 60.0, -3.5}, {1, 0, 0}, {0, 0, -1}),
          grid({8, 6, 5}, {1.5, 2.5, 2.0}, {5.0, 3.0, 40.0}, {0, 1, 0}, {0, 0, 1}),
          grid({8, 8, 4}, {1.0, 1.0, 1.0}, {0.0, 0.0, 0.0}, {1, 0, 0}, {0, 1, 0})};
}

// Axial, coronal and sagittal planes of several pixel sizes, reaching beyond the grid on every side.
std::vector<Plane> planes_through(const Geometry& g) {
  const Extent e = volume_extent(g);
  const Vec3 centre{e.mid(0), e.mid(1), e.mid(2)};
  const double span = std::max({e.size(0), e.size(1), e.size(2)}) * 1.3;
  std::vector<Plane> planes;
  for (const double pixel : {1.0, 0.5, 0.75, 1.3}) {
    const int n = static_cast<int>(span / pixel);
    planes.push_back({centre, {1, 0, 0}, {0, 1, 0}, pixel, n, n - 3});
    planes.push_back({{centre[0] + 0.3, centre[1], e.low[2] + 0.2}, {1, 0, 0}, {0, 0, -1}, pixel, n, n});
    planes.push_back({{centre[0], centre[1] - 1.1, centre[2]}, {0, 1, 0}, {0, 0, -1}, pixel, n + 2, n});
  }
  planes.push_back({{3.0, 3.0, 1.0}, {1, 0, 0}, {0, 1, 0}, 1.0, 10, 10});  // the last grid's edge ties
  return planes;
}

// Counts of what a comparison covered.
struct Covered {
  std::size_t pixels = 0, ties = 0, border = 0, outside = 0;
};

// Every pixel of `plane`: the tables' index, nearest voxel and trilinear sample against the per-pixel formula.
void expect_per_pixel_samples(const Plane& plane, const ImageVolume& image, Covered& covered) {
  const Geometry& g = image.geometry;
  const auto tables = PlaneGrid::make(plane, g);
  ASSERT_TRUE(tables.has_value());
  myo::core::Volume<std::int64_t> offsets(g);
  for (std::size_t i = 0; i < offsets.voxels.size(); ++i) offsets.voxels[i] = static_cast<std::int64_t>(i);
  for (int py = 0; py < plane.height; ++py)
    for (int px = 0; px < plane.width; ++px) {
      const Vec3 index = g.physical_to_index(plane.point(px, py));
      ASSERT_EQ(tables->index(px, py), index) << px << ", " << py;
      const auto voxel = nearest_at(offsets, index);
      const std::int64_t offset = tables->nearest(px, py);
      ASSERT_EQ(offset < 0 ? -1 : offset, voxel ? *voxel : -1) << px << ", " << py;
      const auto expected = linear_at(image, index);
      const auto got = tables->linear(image, px, py);
      ASSERT_EQ(got.has_value(), expected.has_value()) << px << ", " << py;
      if (got) {
        ASSERT_TRUE(myo::testing::same_bits(*got, *expected))
            << px << ", " << py << ": " << *got << " vs " << *expected;
      }
      ++covered.pixels;
      bool inside = true, interior = true;
      for (std::size_t a = 0; a < 3; ++a) {
        covered.ties += std::abs(index[a] - std::floor(index[a]) - 0.5) == 0 ? 1 : 0;
        inside = inside && index[a] >= -0.5 && index[a] <= static_cast<double>(g.size[a]) - 0.5;
        interior = interior && index[a] >= 0 && index[a] < static_cast<double>(g.size[a]) - 1;
      }
      covered.border += inside && !interior ? 1 : 0;
      covered.outside += inside ? 0 : 1;
    }
}

}  // namespace

// Aligned grids in every orientation and axis order: the tables are the per-pixel formula to the bit, including
// indices exactly on a voxel edge (where another formula could round the other way), the border voxels (trilinear's
// general case) and pixels beyond the grid.
TEST(PlaneGrid, TablesAreThePerPixelFormulaToTheBit) {
  std::mt19937 random(3);
  Covered covered;
  for (const auto& g : aligned_grids()) {
    const auto image = myo::testing::random_image(g, random);
    for (const auto& plane : planes_through(g)) expect_per_pixel_samples(plane, image, covered);
  }
  EXPECT_GT(covered.pixels, 50000U);
  EXPECT_GT(covered.ties, 5000U);
  EXPECT_GT(covered.border, 2000U);
  EXPECT_GT(covered.outside, 10000U);
}

// A grid axis that follows both screen axes has no table: oblique grids (even by a cosine of 1e-17) and planes.
TEST(PlaneGrid, NoTablesForObliqueGridsOrPlanes) {
  const double c = std::cos(0.35), s = std::sin(0.35);
  const Geometry oblique = grid({10, 10, 5}, {2, 2, 3}, {0, 0, 0}, {c, s, 0}, {-s, c, 0});
  Geometry almost = grid({10, 10, 5}, {2, 2, 3}, {0, 0, 0}, {1, 0, 0}, {0, 1, 0});
  almost.direction[1] = 1e-17;  // x follows the y of LPS a little
  const Geometry axial = grid({10, 10, 5}, {2, 2, 3}, {0, 0, 0}, {1, 0, 0}, {0, 1, 0});
  const Plane plane{{9, 9, 6}, {1, 0, 0}, {0, 1, 0}, 1.0, 20, 20};
  EXPECT_TRUE(PlaneGrid::make(plane, axial).has_value());
  EXPECT_FALSE(PlaneGrid::make(plane, oblique).has_value());
  EXPECT_FALSE(PlaneGrid::make(plane, almost).has_value());
  EXPECT_FALSE(PlaneGrid::make({{9, 9, 6}, {c, s, 0}, {-s, c, 0}, 1.0, 20, 20}, axial).has_value());
  EXPECT_FALSE(PlaneGrid::make({{9, 9, std::nan("")}, {1, 0, 0}, {0, 1, 0}, 1.0, 20, 20}, axial).has_value());
}

namespace {

// Blocky labels (so that there are outlines), a background, a fat fraction with undefined voxels and an edema mask.
struct Study {
  myo::core::LabelVolume labels;
  ImageVolume background, ff;
  myo::core::MaskVolume edema;
};

Study random_study(const Geometry& g, std::mt19937& random) {
  Study s{myo::core::LabelVolume(g), myo::testing::random_image(g, random), myo::testing::random_image(g, random),
          myo::core::MaskVolume(g)};
  std::uniform_int_distribution<int> label(0, 4), coin(0, 2);
  for (std::size_t k = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i) {
        s.labels.at(i, j, k) = static_cast<std::uint16_t>((i / 3 + j / 2 + k) % 5 == 0 ? 0 : 1 + (i / 3 + 2 * j) % 4);
        s.edema.at(i, j, k) = coin(random) == 0 ? 1 : 0;
      }
  s.labels.voxels[7] = static_cast<std::uint16_t>(label(random));
  for (std::size_t i = 0; i < s.ff.voxels.size(); i += 11) s.ff.voxels[i] = std::numeric_limits<float>::quiet_NaN();
  return s;
}

// The layers of the fat fraction or the edema slices.
Layers layers_of(const Study& s, bool fat) {
  Layers layers;
  layers.labels = &s.labels;
  layers.background = &s.background;
  layers.window = {0, 700};
  layers.metric = fat ? myo::rendering::Metric::fat_fraction : myo::rendering::Metric::edema_fraction;
  layers.info = metric_info(layers.metric, {});
  layers.opacity = 0.45;
  if (fat) layers.ff = &s.ff;
  if (!fat) layers.edema = &s.edema;
  return layers;
}

std::size_t differing_pixels(const Canvas& a, const Canvas& b) {
  std::size_t n = 0;
  for (int y = 0; y < a.height(); ++y)
    for (int x = 0; x < a.width(); ++x) n += a.get(x, y) == b.get(x, y) ? 0 : 1;
  return n;
}

}  // namespace

// draw_plane (tables where the grid is aligned) against draw_plane_per_pixel on aligned and oblique grids, both
// overlays, planes beyond the grid, a panel partly off the canvas: the same bytes.
TEST(DrawPlane, TablesDrawThePerPixelPixels) {
  std::mt19937 random(5);
  const double c = std::cos(0.3), s = std::sin(0.3);
  auto grids = aligned_grids();
  grids.push_back(grid({12, 10, 6}, {2.0, 1.8, 3.0}, {-4.0, 2.0, 50.0}, {c, s, 0}, {-s, c, 0}));  // oblique
  std::size_t compared = 0;
  for (const auto& g : grids) {
    const Study study = random_study(g, random);
    for (const bool fat : {true, false})
      for (const auto& plane : planes_through(g)) {
        const Layers layers = layers_of(study, fat);
        for (const int x0 : {4, -5}) {
          Canvas expected(plane.width + 8, plane.height + 8, kBlack), got = expected;
          draw_plane_per_pixel(expected, x0, 3, plane, layers);
          draw_plane(got, x0, 3, plane, layers);
          ASSERT_EQ(differing_pixels(got, expected), 0U) << g.describe() << ", plane of " << plane.pixel_mm << " mm";
          compared += static_cast<std::size_t>(plane.width) * static_cast<std::size_t>(plane.height);
        }
      }
  }
  EXPECT_GT(compared, 200000U);
}

// A layer only within same_grid's tolerance of the labels' grid is sampled on its own grid: draw_plane keeps the
// per-pixel path for it, and the pixels stay draw_plane_per_pixel's. Every fourth column lies on a voxel edge of the
// labels (x = -12, -10, ...), where the fat fraction's index, 0.0002 voxels lower, rounds to the other voxel.
TEST(DrawPlane, LayerBesideTheLabelsGridKeepsItsOwnIndex) {
  std::mt19937 random(9);
  const Geometry g = aligned_grids().front();
  Study study = random_study(g, random);
  study.ff.geometry.origin_mm[0] += 0.0004;
  const Layers layers = layers_of(study, true);
  const Plane plane{{0.25, 10, 110}, {1, 0, 0}, {0, 1, 0}, 0.5, 60, 50};
  Canvas expected(60, 50, kBlack), got = expected;
  draw_plane_per_pixel(expected, 0, 0, plane, layers);
  draw_plane(got, 0, 0, plane, layers);
  EXPECT_EQ(differing_pixels(got, expected), 0U);
}

// draw_plane mixes the overlay through a table of mix()'s products: the same colour for every pair of channel values.
TEST(DrawPlane, MixTableIsMix) {
  for (const double alpha : {0.45, 0.5, 0.3, 1.0 / 3, 0.0, 1.0}) {
    const MixTable table(alpha);
    for (int x = 0; x < 256; ++x)
      for (int y = 0; y < 256; ++y) {
        const auto u = static_cast<std::uint8_t>(x), v = static_cast<std::uint8_t>(y);
        const Rgb a{u, v, static_cast<std::uint8_t>(255 - x)}, b{v, u, static_cast<std::uint8_t>(255 - y)};
        ASSERT_TRUE(table(a, b) == mix(a, b, alpha)) << alpha << ": " << x << " under " << y;
      }
  }
}
