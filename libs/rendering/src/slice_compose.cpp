// The viewer's slice images on the CPU: sampling the volumes on a view's pixel grid, then composing RGB. No VTK.
#include "slice_compose.hpp"

#include <algorithm>
#include <cmath>

#include "figures_internal.hpp"
#include "myo/core/muscle_catalog.hpp"

namespace myo::rendering::detail {
namespace {

// The metric's colour over a labelled voxel at `p`; none where the metric has nothing to show.
std::optional<Rgb> overlay_colour(const SliceSources& s, int label, const core::Vec3& p) {
  switch (s.metric) {
    case ViewerMetric::fat_fraction: {
      if (!s.fat_fraction_pct) return std::nullopt;
      const auto ff = sample_nearest(*s.fat_fraction_pct, p);
      if (ff && std::isfinite(*ff)) return metric_color(Metric::fat_fraction, s.fat_info, *ff);
      return std::nullopt;
    }
    case ViewerMetric::edema_fraction: {
      if (!s.edema_mask) return std::nullopt;
      const auto e = sample_nearest(*s.edema_mask, p);
      if (e && *e) return kEdemaColour;
      return std::nullopt;
    }
    case ViewerMetric::change_fat:
      // The registered voxel difference map when there is one, else the per-muscle change as the other metrics.
      if (s.change && s.change->fat_fraction_points) return voxel_change_colour(*s.change, p);
      [[fallthrough]];
    case ViewerMetric::change_edema:
    case ViewerMetric::grade:
    case ViewerMetric::labels: {
      const auto it = s.group_colours.find(label);
      return it == s.group_colours.end() ? std::nullopt : it->second;
    }
  }
  return std::nullopt;
}

}  // namespace

SliceSamples sample_slice(const SliceGrid& grid, double normal_mm, const SliceSources& sources) {
  SliceSamples s;
  s.width = grid.width;
  s.height = grid.height;
  const auto n = static_cast<std::size_t>(grid.width) * static_cast<std::size_t>(grid.height);
  s.background.resize(n);
  s.labels.assign(n, 0);
  s.overlay.resize(n);
  // The labels' continuous index once per pixel, shared with the series when it is on their grid.
  const auto& labels_grid = sources.labels->geometry;
  const LayerIndex series_index(sources.series, labels_grid);
  std::size_t index = 0;
  for (int v = 0; v < grid.height; ++v)
    for (int u = 0; u < grid.width; ++u, ++index) {
      const core::Vec3 p = grid.point(u, v, normal_mm);
      const core::Vec3 voxel = labels_grid.physical_to_index(p);
      const auto l = nearest_at(*sources.labels, voxel);
      s.labels[index] = l ? *l : 0;
      s.background[index] = linear_at(*sources.series, series_index(voxel, p));
      if (s.labels[index] > 0) s.overlay[index] = overlay_colour(sources, s.labels[index], p);
    }
  return s;
}

std::uint8_t window_grey(const std::optional<double>& value, double low, double high) {
  const double t = value ? std::clamp((*value - low) / std::max(1e-6, high - low), 0.0, 1.0) : 0.0;
  return static_cast<std::uint8_t>(round_half_away(t * 255));
}

std::vector<std::uint8_t> compose_slice(const SliceSamples& samples, const SliceLook& look) {
  std::vector<std::uint8_t> rgb(3 * samples.labels.size());
  for (std::size_t i = 0; i < samples.labels.size(); ++i) {
    const auto grey = window_grey(samples.background[i], look.window_low, look.window_high);
    Rgb c{grey, grey, grey};
    if (samples.labels[i] > 0 && look.overlay_opacity > 0 && samples.overlay[i])
      c = mix(c, *samples.overlay[i], look.overlay_opacity);
    rgb[3 * i] = c.r;
    rgb[3 * i + 1] = c.g;
    rgb[3 * i + 2] = c.b;
  }
  if (look.outlines)
    for_each_outline_pixel(samples.labels, samples.width, samples.height, [&](int u, int v, Rgb c) {
      const std::size_t i = static_cast<std::size_t>(v) * static_cast<std::size_t>(samples.width) +
                            static_cast<std::size_t>(u);
      rgb[3 * i] = c.r;
      rgb[3 * i + 1] = c.g;
      rgb[3 * i + 2] = c.b;
    });
  return rgb;
}

std::optional<Rgb> voxel_change_colour(const ViewerChange& change, const core::Vec3& p) {
  if (!change.fat_fraction_points) return std::nullopt;
  const auto d = sample_nearest(*change.fat_fraction_points, p);
  if (!d || !std::isfinite(*d)) return std::nullopt;
  return diverging(*d / change.fat_fraction_range_points);
}

void for_each_outline_pixel(const std::vector<int>& labels, int width, int height,
                            const std::function<void(int u, int v, Rgb colour)>& paint) {
  const auto& catalog = core::MuscleCatalog::instance();
  const auto at = [&](int u, int v) {
    if (u < 0 || v < 0 || u >= width || v >= height) return 0;
    return labels[static_cast<std::size_t>(v) * static_cast<std::size_t>(width) + static_cast<std::size_t>(u)];
  };
  for (int v = 0; v < height; ++v)
    for (int u = 0; u < width; ++u) {
      const int l = at(u, v);
      if (l == 0 || (at(u - 1, v) == l && at(u + 1, v) == l && at(u, v - 1) == l && at(u, v + 1) == l)) continue;
      const auto gs = catalog.from_label(l);
      const auto& c = gs ? gs->group->color_rgb : std::array<int, 3>{255, 255, 255};
      paint(u, v, {static_cast<std::uint8_t>(c[0]), static_cast<std::uint8_t>(c[1]), static_cast<std::uint8_t>(c[2])});
    }
}

}  // namespace myo::rendering::detail
