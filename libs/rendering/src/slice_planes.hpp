#pragma once
// CPU compositing of reformatted slices (slices.cpp): a plane through the volumes, the layers drawn on it (anatomy,
// fat fraction or edema overlay, group outlines) and the orientation letters. Shared by the slice-overlay figure and
// the per-slice overlay series for the PACS (overlay_series.cpp). No VTK.
#include <algorithm>
#include <limits>

#include "canvas.hpp"
#include "myo/rendering/figures.hpp"
#include "myo/core/volume.hpp"

namespace myo::rendering::detail {

// A rectangle of `width` x `height` square pixels of `pixel_mm` centred on `centre`.
struct Plane {
  core::Vec3 centre;
  core::Vec3 right;  // screen +x in LPS
  core::Vec3 down;   // screen +y in LPS
  double pixel_mm = 1;
  int width = 0, height = 0;
  // LPS centre of pixel (px, py).
  [[nodiscard]] core::Vec3 point(int px, int py) const {
    const double u = (px + 0.5 - width / 2.0) * pixel_mm, v = (py + 0.5 - height / 2.0) * pixel_mm;
    return {centre[0] + right[0] * u + down[0] * v, centre[1] + right[1] * u + down[1] * v,
            centre[2] + right[2] * u + down[2] * v};
  }
};

struct Window {
  double low = 0, high = 1;
};

// Bounding box in LPS.
struct Extent {
  core::Vec3 low{std::numeric_limits<double>::max(), std::numeric_limits<double>::max(),
                 std::numeric_limits<double>::max()};
  core::Vec3 high{std::numeric_limits<double>::lowest(), std::numeric_limits<double>::lowest(),
                  std::numeric_limits<double>::lowest()};
  void add(const core::Vec3& p) {
    for (std::size_t a = 0; a < 3; ++a) {
      low[a] = std::min(low[a], p[a]);
      high[a] = std::max(high[a], p[a]);
    }
  }
  [[nodiscard]] double size(std::size_t a) const { return high[a] - low[a]; }
  [[nodiscard]] double mid(std::size_t a) const { return (high[a] + low[a]) / 2; }
};

struct Layers {
  const core::LabelVolume* labels = nullptr;
  const core::ImageVolume* background = nullptr;
  Window window;
  const core::ImageVolume* ff = nullptr;    // fat mode
  const core::MaskVolume* edema = nullptr;  // edema mode
  Metric metric = Metric::fat_fraction;
  MetricInfo info;
  double opacity = 0.5;
};

// Throws core::MyoError naming the volume that is not on the labels' grid (`input.labels` must be set).
void require_label_grid(const FigureInput& input);
// Grey window of an anatomy image: 1st to 99.5th percentile of its positive voxels, black background kept.
[[nodiscard]] Window robust_window(const core::ImageVolume& image);
// The volume's bounding box, voxel edges included.
[[nodiscard]] Extent volume_extent(const core::Geometry& g);
// Draws one reformatted slice into the canvas at (x0, y0): background, overlay, group outlines. Where the layers
// share the labels' grid and the plane is aligned with it (plane_grid.hpp), from per-column and per-row tables;
// the pixels are draw_plane_per_pixel's.
void draw_plane(Canvas& canvas, int x0, int y0, const Plane& plane, const Layers& layers);
// The definition: every pixel's LPS point to each layer's continuous index, sampled there.
void draw_plane_per_pixel(Canvas& canvas, int x0, int y0, const Plane& plane, const Layers& layers);
// Orientation letters (R/L, A/P, S/I) at the four edges of the panel at (x, y).
void orientation_letters(Canvas& canvas, int x, int y, int w, int h, const Plane& plane);

}  // namespace myo::rendering::detail
