// The overlay series for the PACS: every axial slice composed on the CPU with the slice figure's compositing
// (slice_planes.hpp), plus edema hatching and a legend band.
#include "myo/rendering/overlay_series.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "figures_internal.hpp"
#include "myo/core/error.hpp"
#include "myo/core/parallel.hpp"
#include "plane_grid.hpp"
#include "slice_planes.hpp"

namespace myo::rendering {
namespace {

using core::Vec3;
using detail::Canvas;
using detail::HAlign;
using detail::Plane;
using detail::Rgb;
using detail::TextStyle;
using detail::VAlign;

constexpr Rgb kLegendText{235, 235, 235};

// Axial planes through the grid, head first: slice k lies (k + 1/2) slice spacings below the top of the volume.
struct AxialSampling {
  detail::Extent extent;
  double pixel_mm = 1;        // output pixel (the grid's in-plane pixel divided by the scale)
  double slice_spacing_mm = 1;
  int width = 1, height = 1;  // output pixels
  int slices = 1;
  [[nodiscard]] Plane plane(int k) const {
    const double z = extent.high[2] - (k + 0.5) * slice_spacing_mm;
    // Screen right = +x (patient left), screen down = +y (posterior): radiological view, anterior up.
    return Plane{{extent.mid(0), extent.mid(1), z}, {1, 0, 0}, {0, 1, 0}, pixel_mm, width, height};
  }
};

AxialSampling axial_sampling(const core::Geometry& g, const OverlaySeriesParams& series) {
  std::size_t along = 0;  // the grid axis closest to the body axis
  for (std::size_t a = 1; a < 3; ++a)
    if (std::abs(g.axis(a)[2]) > std::abs(g.axis(along)[2])) along = a;
  double pixel = 0;
  for (std::size_t a = 0; a < 3; ++a)
    if (a != along) pixel = pixel == 0 ? g.spacing_mm[a] : std::min(pixel, g.spacing_mm[a]);
  AxialSampling s;
  s.extent = detail::volume_extent(g);
  s.slice_spacing_mm = g.spacing_mm[along];
  s.slices = std::max(1, static_cast<int>(std::lround(s.extent.size(2) / s.slice_spacing_mm)));
  const int native_width = std::max(1, static_cast<int>(std::lround(s.extent.size(0) / pixel)));
  const int native_height = std::max(1, static_cast<int>(std::lround(s.extent.size(1) / pixel)));
  const int scale = std::clamp((series.min_width_px + native_width - 1) / native_width, 1, 4);
  s.pixel_mm = pixel / scale;
  s.width = native_width * scale;
  s.height = native_height * scale;
  return s;
}

// The edema mask at each pixel (nearest voxel, 0 outside) into `mask`: from the plane's tables where it is aligned
// with the mask's grid, else from each pixel's LPS point.
void edema_at_pixels(const Plane& plane, const core::MaskVolume& edema, std::vector<std::uint8_t>& mask) {
  const auto w = static_cast<std::size_t>(plane.width);
  mask.assign(w * static_cast<std::size_t>(plane.height), 0);
  const auto grid = detail::PlaneGrid::make(plane, edema.geometry);
  for (int py = 0; py < plane.height; ++py)
    for (int px = 0; px < plane.width; ++px) {
      bool on = false;
      if (grid) {
        const std::int64_t voxel = grid->nearest(px, py);
        on = voxel >= 0 && edema.voxels[static_cast<std::size_t>(voxel)] != 0;
      } else {
        const auto e = detail::sample_nearest(edema, plane.point(px, py));
        on = e && *e;
      }
      mask[static_cast<std::size_t>(py) * w + static_cast<std::size_t>(px)] = on ? 1 : 0;
    }
}

// Edema voxels as red diagonal hatching with a red contour, so the fat fraction colours stay visible beneath.
void draw_edema_hatching(Canvas& canvas, const Plane& plane, const core::MaskVolume& edema) {
  const auto w = static_cast<std::size_t>(plane.width);
  thread_local std::vector<std::uint8_t> mask;  // kept, like draw_plane's labels: no fresh pages per slice
  edema_at_pixels(plane, edema, mask);
  const auto at = [&](int px, int py) {
    if (px < 0 || py < 0 || px >= plane.width || py >= plane.height) return 0;
    return static_cast<int>(mask[static_cast<std::size_t>(py) * w + static_cast<std::size_t>(px)]);
  };
  for (int py = 0; py < plane.height; ++py)
    for (int px = 0; px < plane.width; ++px) {
      if (!at(px, py)) continue;
      const bool edge = !at(px - 1, py) || !at(px + 1, py) || !at(px, py - 1) || !at(px, py + 1);
      if (edge || (px + py) % 4 == 0) canvas.set(px, py, detail::kEdemaColour);
    }
}

// Horizontal colour bar of the fat fraction with its unit and range, at (x, y).
void draw_fat_bar(Canvas& canvas, int x, int y, int bar_width, const detail::MetricInfo& info) {
  canvas.text(info.bar_label, x, y, {12, kLegendText, true});
  const int bar_y = y + 17;
  for (int i = 0; i < bar_width; ++i) {
    const double t = bar_width > 1 ? static_cast<double>(i) / (bar_width - 1) : 0.0;
    canvas.fill_rect(x + i, bar_y, 1, 12, detail::colormap(Metric::fat_fraction, t));
  }
  const TextStyle tick{11, kLegendText, false, HAlign::center, VAlign::top};
  canvas.text(fmt::format("{:g}", info.low), x, bar_y + 14, {11, kLegendText, false, HAlign::left, VAlign::top});
  canvas.text(fmt::format("{:g}", (info.low + info.high) / 2), x + bar_width / 2, bar_y + 14, tick);
  canvas.text(fmt::format("\u2265{:g}", info.high), x + bar_width, bar_y + 14,
              {11, kLegendText, false, HAlign::right, VAlign::top});
}

// The legend band below the image: fat fraction bar, edema key and the slice level.
void draw_legend(Canvas& canvas, int top, const FigureInput& input, const detail::MetricInfo& fat, double z_mm) {
  const int width = canvas.width();
  int x = 8;
  if (input.fat_fraction_pct) {
    const int bar_width = std::clamp(width * 2 / 5, 80, 220);
    draw_fat_bar(canvas, x, top + 6, bar_width, fat);
    x += bar_width + 24;
  }
  if (input.edema_mask) {
    const int y = top + 22;
    canvas.fill_rect(x, y, 16, 12, detail::kBlack);
    for (int py = 0; py < 12; ++py)
      for (int px = 0; px < 16; ++px)
        if (px == 0 || py == 0 || px == 15 || py == 11 || (px + py) % 4 == 0) canvas.set(x + px, y + py, detail::kEdemaColour);
    canvas.text("Edema (STIR)", x + 22, y + 6, {12, kLegendText, false, HAlign::left, VAlign::center});
  }
  const std::string level = input.crotch_z_mm ? fmt::format("crotch {:+.0f} mm", z_mm - *input.crotch_z_mm)
                                              : fmt::format("z {:.0f} mm", z_mm);
  canvas.text(level, width - 8, top + 46, {11, kLegendText, false, HAlign::right, VAlign::center});
}

// The canvas' pixels, moved out of it (its buffer is 8-bit RGB, rows top to bottom already).
RgbPixels pixels_of(Canvas& canvas) {
  RgbPixels out;
  out.width = canvas.width();
  out.height = canvas.height();
  out.rgb = canvas.take_rgb();
  return out;
}

}  // namespace

std::vector<OverlaySlice> render_overlay_series(const FigureInput& input, const FigureParams& params,
                                                const OverlaySeriesParams& series) {
  if (!input.labels) throw core::MyoError("overlay series", "no label volume given");
  detail::require_label_grid(input);
  if (!input.fat_fraction_pct && !input.edema_mask) return {};
  route_vtk_output();  // before any lettering, which may run beside the figures
  detail::Layers layers;
  layers.labels = input.labels;
  layers.metric = Metric::fat_fraction;
  layers.info = detail::metric_info(Metric::fat_fraction, params);
  layers.opacity = params.overlay_opacity;
  layers.ff = input.fat_fraction_pct;
  layers.background = input.anatomy ? input.anatomy : input.stir ? input.stir : input.fat_fraction_pct;
  if (!layers.background) return {};
  layers.window = detail::robust_window(*layers.background);

  const AxialSampling sampling = axial_sampling(input.labels->geometry, series);
  // The images on the pool, slice by slice; the lettering after, on this thread (Canvas::text holds the text
  // renderer's lock, which the figures rendering meanwhile also take).
  std::vector<Canvas> canvases(static_cast<std::size_t>(sampling.slices));
  core::parallel_for(sampling.slices, [&](int k) {
    auto& canvas = canvases[static_cast<std::size_t>(k)];
    canvas = Canvas(sampling.width, sampling.height + series.legend_height_px, detail::kBlack);
    detail::draw_plane(canvas, 0, 0, sampling.plane(k), layers);
    if (input.edema_mask) draw_edema_hatching(canvas, sampling.plane(k), *input.edema_mask);
  });
  std::vector<OverlaySlice> out;
  out.reserve(static_cast<std::size_t>(sampling.slices));
  for (int k = 0; k < sampling.slices; ++k) {
    const Plane plane = sampling.plane(k);
    auto& canvas = canvases[static_cast<std::size_t>(k)];
    detail::orientation_letters(canvas, 0, 0, plane.width, plane.height, plane);
    draw_legend(canvas, plane.height, input, layers.info, plane.centre[2]);
    OverlaySlice slice;
    slice.pixels = pixels_of(canvas);
    slice.placement.first_pixel_mm = plane.point(0, 0);
    slice.placement.row_direction = plane.right;
    slice.placement.column_direction = plane.down;
    slice.placement.pixel_spacing_mm = plane.pixel_mm;
    slice.placement.slice_spacing_mm = sampling.slice_spacing_mm;
    slice.placement.image_rows = plane.height;
    out.push_back(std::move(slice));
  }
  return out;
}

}  // namespace myo::rendering
