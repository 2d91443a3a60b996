// The overlay series for the PACS (render_overlay_series): one composed image per axial slice of the labels' grid,
// head first, with its placement, the fat fraction colours, edema hatching and the legend. Composed on the CPU: no
// X display needed.
#include <gtest/gtest.h>

#include <algorithm>

#include "myo/core/parallel.hpp"
#include "myo/rendering/overlay_series.hpp"
#include "myo/testing/thigh_phantom.hpp"

namespace {

using myo::rendering::OverlaySlice;
using myo::testing::make_thigh_phantom;

struct Pixel {
  int r = 0, g = 0, b = 0;
};

Pixel pixel_at(const OverlaySlice& slice, int x, int y) {
  const auto o = (static_cast<std::size_t>(y) * static_cast<std::size_t>(slice.pixels.width) + static_cast<std::size_t>(x)) * 3;
  return {slice.pixels.rgb[o], slice.pixels.rgb[o + 1], slice.pixels.rgb[o + 2]};
}

// Pixels of the edema red in the image area (the legend's key below it is not counted).
std::size_t edema_pixels(const OverlaySlice& slice) {
  std::size_t n = 0;
  for (int y = 0; y < slice.placement.image_rows; ++y)
    for (int x = 0; x < slice.pixels.width; ++x) {
      const Pixel p = pixel_at(slice, x, y);
      n += p.r == 236 && p.g == 40 && p.b == 20 ? 1 : 0;
    }
  return n;
}

// An interior voxel (its 4 in-plane neighbours share its label) of `label` on slice k, if any.
std::optional<std::array<std::size_t, 2>> interior_voxel(const myo::core::LabelVolume& labels, std::size_t k, int label) {
  const auto& s = labels.geometry.size;
  for (std::size_t j = 1; j + 1 < s[1]; ++j)
    for (std::size_t i = 1; i + 1 < s[0]; ++i)
      if (labels.at(i, j, k) == label && labels.at(i - 1, j, k) == label && labels.at(i + 1, j, k) == label &&
          labels.at(i, j - 1, k) == label && labels.at(i, j + 1, k) == label)
        return std::array<std::size_t, 2>{i, j};
  return std::nullopt;
}

// Every slice, head first, on the grid's own pixels (scaled up to be legible): a viewer can place and measure it.
TEST(OverlaySeries, OneImagePerSliceHeadFirstOnTheGrid) {
  const auto phantom = make_thigh_phantom();
  const auto& g = phantom.labels.geometry;
  const auto slices = myo::rendering::render_overlay_series(phantom.input());
  ASSERT_EQ(slices.size(), g.size[2]);
  const int scale = slices.front().pixels.width / static_cast<int>(g.size[0]);
  EXPECT_EQ(scale, 4) << "100 voxels wide: scaled to 400 px, at least 384";
  for (std::size_t n = 0; n < slices.size(); ++n) {
    const auto& s = slices[n];
    const std::size_t k = g.size[2] - 1 - n;  // head first
    const auto voxel = g.index_to_physical({0, 0, static_cast<double>(k)});
    EXPECT_NEAR(s.placement.first_pixel_mm[2], voxel[2], 1e-6);
    EXPECT_NEAR(s.placement.pixel_spacing_mm, g.spacing_mm[0] / scale, 1e-9);
    EXPECT_NEAR(s.placement.first_pixel_mm[0], voxel[0] - g.spacing_mm[0] / 2 + s.placement.pixel_spacing_mm / 2, 1e-6);
    EXPECT_EQ(s.placement.image_rows, static_cast<int>(g.size[1]) * scale);
    EXPECT_GT(s.pixels.height, s.placement.image_rows) << "a legend band below the image";
    EXPECT_EQ(s.pixels.rgb.size(), static_cast<std::size_t>(s.pixels.width) * s.pixels.height * 3);
  }
}

// Fat fraction in colour: the right quadriceps (60 %) lies on the image's left (radiological view) and is brighter
// on the viridis scale than the left quadriceps (5 %). Edema (distal right hamstrings) is hatched in red on the slices
// that have it and nowhere else.
TEST(OverlaySeries, FatColoursSidesAndEdemaWhereTheyAre) {
  const auto phantom = make_thigh_phantom();
  const auto& g = phantom.labels.geometry;
  const auto& catalog = myo::core::MuscleCatalog::instance();
  const int quad_r = catalog.find("quadriceps")->label_right, quad_l = catalog.find("quadriceps")->label_left;
  const auto slices = myo::rendering::render_overlay_series(phantom.input());
  ASSERT_EQ(slices.size(), g.size[2]);
  const int scale = slices.front().pixels.width / static_cast<int>(g.size[0]);
  std::size_t checked = 0;
  for (std::size_t k = 0; k < g.size[2]; ++k) {
    const auto& s = slices[g.size[2] - 1 - k];
    bool edema_here = false;
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i) edema_here = edema_here || phantom.edema.at(i, j, k) != 0;
    EXPECT_EQ(edema_pixels(s) > 0, edema_here) << "slice " << k;
    const auto right = interior_voxel(phantom.labels, k, quad_r), left = interior_voxel(phantom.labels, k, quad_l);
    if (!right || !left || edema_here) continue;
    const Pixel pr = pixel_at(s, static_cast<int>((*right)[0]) * scale + scale / 2, static_cast<int>((*right)[1]) * scale + scale / 2);
    const Pixel pl = pixel_at(s, static_cast<int>((*left)[0]) * scale + scale / 2, static_cast<int>((*left)[1]) * scale + scale / 2);
    EXPECT_LT((*right)[0] * 2, g.size[0]) << "patient right on the image's left";
    EXPECT_GT(pr.g, pl.g + 40) << "slice " << k;
    EXPECT_FALSE(pr.r == pr.g && pr.g == pr.b) << "no colour over the muscle";
    ++checked;
  }
  EXPECT_GT(checked, 5U);
}

// Voxels stored the other way round in plane show the same patient: the same images.
TEST(OverlaySeries, VoxelOrderDoesNotChangeTheImages) {
  const auto plain = make_thigh_phantom();
  myo::testing::PhantomOptions options;
  options.flipped_in_plane = true;
  const auto flipped = make_thigh_phantom(options);
  const auto a = myo::rendering::render_overlay_series(plain.input());
  const auto b = myo::rendering::render_overlay_series(flipped.input());
  ASSERT_EQ(a.size(), b.size());
  const auto& sa = a[a.size() / 2];
  const auto& sb = b[b.size() / 2];
  ASSERT_EQ(sa.pixels.rgb.size(), sb.pixels.rgb.size());
  std::size_t differing = 0;
  for (std::size_t o = 0; o < sa.pixels.rgb.size(); ++o) differing += sa.pixels.rgb[o] != sb.pixels.rgb[o] ? 1 : 0;
  EXPECT_LT(differing, sa.pixels.rgb.size() / 100);
}

// The slices are composed in parallel and lettered afterwards on one thread (VTK's text renderer is shared): the
// same images, placements and order whatever the thread count.
TEST(OverlaySeries, ThreadCountDoesNotChangeTheImages) {
  const auto phantom = make_thigh_phantom();
  myo::core::set_thread_count(1);
  const auto serial = myo::rendering::render_overlay_series(phantom.input());
  myo::core::set_thread_count(4);
  const auto parallel = myo::rendering::render_overlay_series(phantom.input());
  myo::core::set_thread_count(0);
  ASSERT_EQ(serial.size(), parallel.size());
  for (std::size_t n = 0; n < serial.size(); ++n) {
    EXPECT_TRUE(serial[n].pixels.rgb == parallel[n].pixels.rgb) << "slice " << n;
    EXPECT_EQ(serial[n].placement.first_pixel_mm, parallel[n].placement.first_pixel_mm) << "slice " << n;
  }
}

}  // namespace
