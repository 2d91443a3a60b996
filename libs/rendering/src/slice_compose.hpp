#pragma once
// The viewer's slice images composed on the CPU, without VTK: the volumes are sampled on a slice view's pixel grid
// into plain buffers (series value, label, overlay colour), then composed into RGB (window/level, overlay, label
// outlines). What a screenshot shows is what these functions computed.
#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <vector>

#include "colormap.hpp"
#include "myo/core/volume.hpp"
#include "myo/rendering/viewer.hpp"

namespace myo::rendering::detail {

// A slice view's pixel grid in LPS: two axis-aligned screen directions, square pixels, pixel (0, 0) bottom-left.
struct SliceGrid {
  int normal_axis = 2;  // LPS axis held fixed by the plane
  core::Vec3 right{}, up{};  // screen right and up in LPS (axis-aligned)
  double pixel_mm = 1;
  int width = 0, height = 0;
  core::Vec3 first{};  // LPS of pixel (0, 0); the normal component is replaced by the plane's position

  // LPS of pixel (u, v) on the plane at `normal_mm` along the normal axis.
  [[nodiscard]] core::Vec3 point(double u, double v, double normal_mm) const {
    core::Vec3 p{};
    for (std::size_t a = 0; a < 3; ++a) p[a] = first[a] + right[a] * u * pixel_mm + up[a] * v * pixel_mm;
    p[static_cast<std::size_t>(normal_axis)] = normal_mm;
    return p;
  }
  // Inverse of point() within the plane, in pixels.
  [[nodiscard]] std::array<double, 2> pixel_of(const core::Vec3& p) const {
    double u = 0, v = 0;
    for (std::size_t a = 0; a < 3; ++a) {
      u += right[a] * (p[a] - first[a]);
      v += up[a] * (p[a] - first[a]);
    }
    return {u / pixel_mm, v / pixel_mm};
  }
};

// One slice view's samples, row-major from the bottom-left pixel (index v * width + u).
struct SliceSamples {
  int width = 0, height = 0;
  std::vector<std::optional<double>> background;  // the series' value; none outside the volume
  std::vector<int> labels;                         // group label, 0 outside the muscles
  std::vector<std::optional<Rgb>> overlay;         // the metric's colour; none where nothing is overlaid
};

// How the samples become colours.
struct SliceLook {
  double window_low = 0, window_high = 1;  // series values shown black .. white
  double overlay_opacity = 0.5;            // 0..1, over labelled pixels only
  bool outlines = true;                    // label borders in the catalogue colour of their group
};

// What the overlay shows and where it comes from (volumes on the labels' grid; null when absent).
struct SliceSources {
  const core::ImageVolume* series = nullptr;  // the grey background
  const core::LabelVolume* labels = nullptr;
  ViewerMetric metric = ViewerMetric::fat_fraction;
  const core::ImageVolume* fat_fraction_pct = nullptr;
  MetricInfo fat_info;
  const core::MaskVolume* edema_mask = nullptr;
  const ViewerChange* change = nullptr;  // for the change metrics
  std::map<int, std::optional<Rgb>> group_colours;  // per label, for the metrics painted per group
};

// Samples the sources on the grid at `normal_mm`.
[[nodiscard]] SliceSamples sample_slice(const SliceGrid& grid, double normal_mm, const SliceSources& sources);
// RGB bytes (3 per pixel, the samples' order): grey by window/level, the overlay mixed in, outlines on top.
[[nodiscard]] std::vector<std::uint8_t> compose_slice(const SliceSamples& samples, const SliceLook& look);
// Grey level 0..255 of a series value through the window; black outside the volume.
[[nodiscard]] std::uint8_t window_grey(const std::optional<double>& value, double low, double high);
// The voxel fat fraction difference at `p` on the diverging change scale; none outside the map or where undefined.
[[nodiscard]] std::optional<Rgb> voxel_change_colour(const ViewerChange& change, const core::Vec3& p);
// Calls `paint(u, v, colour)` for every labelled pixel (labels row-major, index v * width + u) whose 4-neighbourhood
// holds another label (beyond the edge counts as 0), in the catalogue colour of its group (white outside it). The
// viewer and the slice figures outline the groups by this one rule.
void for_each_outline_pixel(const std::vector<int>& labels, int width, int height,
                            const std::function<void(int u, int v, Rgb colour)>& paint);

}  // namespace myo::rendering::detail
