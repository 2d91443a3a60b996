// Slice overlays: axial slices at standard levels and a coronal reformat through the femora, in radiological
// convention (patient right on image left), with label outlines and a semi-transparent metric map.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "canvas.hpp"
#include "plane_grid.hpp"
#include "slice_compose.hpp"
#include "slice_planes.hpp"
#include "figures_internal.hpp"
#include "myo/core/error.hpp"
#include "myo/core/log.hpp"
#include "myo/core/muscle_catalog.hpp"
#include "myo/core/statistics.hpp"

namespace myo::rendering::detail {
using core::Vec3;

Window robust_window(const core::ImageVolume& image) {
  auto sample = core::sample_values(image.voxels, 300000, [](float v) { return std::isfinite(v) && v > 0; });
  if (sample.empty()) return {};
  Window w{core::percentile(sample, 0.01), core::percentile(sample, 0.995)};
  if (!(w.high > w.low)) w.high = w.low + 1;
  w.low = 0;  // keep the background black
  return w;
}

Extent volume_extent(const core::Geometry& g) {
  Extent e;
  for (int corner = 0; corner < 8; ++corner) {
    Vec3 index{};
    for (std::size_t a = 0; a < 3; ++a) index[a] = ((corner >> a) & 1) ? static_cast<double>(g.size[a]) - 0.5 : -0.5;
    e.add(g.index_to_physical(index));
  }
  return e;
}

namespace {

struct Level {
  std::string name;   // axial_hip
  std::string title;  // Hip
  std::string short_title;
  double z_mm = 0;
};

struct LabelStats {
  Extent all, hip, thigh;
  double thigh_y_sum = 0;
  std::size_t thigh_count = 0;
  double hip_z_sum = 0;
  std::size_t hip_count = 0;
  double all_y_sum = 0;
  std::size_t all_count = 0;
};

LabelStats label_stats(const core::LabelVolume& labels) {
  const auto& catalog = core::MuscleCatalog::instance();
  std::vector<int> region(static_cast<std::size_t>(catalog.max_label()) + 1, 0);  // 1 hip, 2 thigh, 3 other
  for (const auto& g : catalog.groups())
    for (const auto side : {core::Side::right, core::Side::left})
      region[static_cast<std::size_t>(g.label(side))] = g.region == "hip" ? 1 : g.region == "thigh" ? 2 : 3;
  LabelStats s;
  const auto& g = labels.geometry;
  std::size_t index = 0;
  for (std::size_t k = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i, ++index) {
        const auto label = labels.voxels[index];
        if (label == 0) continue;
        const Vec3 p = g.index_to_physical({static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)});
        s.all.add(p);
        s.all_y_sum += p[1];
        ++s.all_count;
        const int r = label < region.size() ? region[label] : 3;
        if (r == 1) {
          s.hip.add(p);
          s.hip_z_sum += p[2];
          ++s.hip_count;
        } else if (r == 2) {
          s.thigh.add(p);
          s.thigh_y_sum += p[1];
          ++s.thigh_count;
        }
      }
  return s;
}

std::vector<Level> choose_levels(const LabelStats& s, std::optional<double> crotch_z) {
  const double z_lo = s.all.low[2], z_hi = s.all.high[2];
  double hip = s.hip_count ? s.hip_z_sum / static_cast<double>(s.hip_count) : z_lo + 0.85 * (z_hi - z_lo);
  double thigh_lo = s.thigh_count ? s.thigh.low[2] : z_lo;
  double thigh_hi = s.thigh_count ? std::min(s.thigh.high[2], hip) : z_lo + 0.7 * (z_hi - z_lo);
  if (crotch_z) {
    hip = std::clamp(*crotch_z + 0.5 * (z_hi - *crotch_z), z_lo, z_hi);
    thigh_hi = std::clamp(*crotch_z, z_lo, z_hi);
  }
  if (thigh_hi <= thigh_lo) thigh_hi = thigh_lo + 1;
  const double span = thigh_hi - thigh_lo;
  return {{"axial_hip", "Hip", "Hip", hip},
          {"axial_proximal", "Proximal thigh", "Prox.", thigh_lo + 0.8 * span},
          {"axial_mid", "Mid thigh", "Mid", thigh_lo + 0.5 * span},
          {"axial_distal", "Distal thigh", "Dist.", thigh_lo + 0.2 * span}};
}

std::string level_text(double z, std::optional<double> crotch_z) {
  if (crotch_z) return fmt::format("crotch {:+.0f} mm", z - *crotch_z);
  return fmt::format("z = {:.0f} mm", z);
}

// Grey level of the background sample through the layers' window; black outside the volume.
std::uint8_t plane_grey(const std::optional<double>& background, const Window& window) {
  const double t = background ? std::clamp((*background - window.low) / (window.high - window.low), 0.0, 1.0) : 0.0;
  return static_cast<std::uint8_t>(round_half_away(t * 255));
}

// Outlines in the catalogue colour of each group: a pixel whose 4-neighbourhood holds another label.
void draw_outlines(Canvas& canvas, int x0, int y0, const Plane& plane, const std::vector<int>& label) {
  for_each_outline_pixel(label, plane.width, plane.height,
                         [&](int px, int py, Rgb colour) { canvas.set(x0 + px, y0 + py, colour); });
}

// What a voxel of the layers' common grid adds over the grey background (offset negative: outside the grid).
struct VoxelOverlay {
  int label = 0;
  bool metric = false;  // the fat fraction's colour inside a muscle group
  bool edema = false;
  Rgb colour;  // the metric's
};

void look_up_overlay(const Layers& layers, std::int64_t offset, VoxelOverlay& o) {
  o = VoxelOverlay{};
  if (offset < 0) return;
  const auto i = static_cast<std::size_t>(offset);
  o.label = layers.labels->voxels[i];
  if (layers.ff && o.label > 0) {
    const float ff = layers.ff->voxels[i];
    o.metric = std::isfinite(ff);
    if (o.metric) o.colour = metric_color(layers.metric, layers.info, ff);
  }
  o.edema = layers.edema && layers.edema->voxels[i];
}

// Every present layer on the labels' grid to the bit: one voxel offset per pixel serves them all.
bool layers_share_grid(const Layers& layers) {
  const auto& grid = layers.labels->geometry;
  return identical_grid(layers.background->geometry, grid) &&
         (!layers.ff || identical_grid(layers.ff->geometry, grid)) &&
         (!layers.edema || identical_grid(layers.edema->geometry, grid));
}

// draw_plane_per_pixel's pixels from the plane's tables, a row at a time: the nearest voxel's overlay is looked up
// again only where the voxel changes (the pixel above or left of it had the same one), the mixing's products come
// from a table.
void compose_from_tables(Canvas& canvas, int x0, int y0, const Plane& plane, const Layers& layers,
                         const PlaneGrid& grid, std::vector<int>& label) {
  const MixTable mix_over(layers.opacity);
  const auto width = static_cast<std::size_t>(plane.width);
  std::vector<std::int64_t> seen(width, std::numeric_limits<std::int64_t>::min());  // the voxel each memo holds
  std::vector<VoxelOverlay> memo(width);
  std::vector<std::uint8_t> rgb(3 * width);
  for (int py = 0; py < plane.height; ++py) {
    for (std::size_t x = 0; x < width; ++x) {
      const int px = static_cast<int>(x);
      const std::int64_t voxel = grid.nearest(px, py);
      if (seen[x] != voxel) {
        if (x > 0 && seen[x - 1] == voxel)
          memo[x] = memo[x - 1];
        else
          look_up_overlay(layers, voxel, memo[x]);
        seen[x] = voxel;
      }
      const VoxelOverlay& o = memo[x];
      label[static_cast<std::size_t>(py) * width + x] = o.label;
      const auto grey = plane_grey(grid.linear(*layers.background, px, py), layers.window);
      Rgb c{grey, grey, grey};
      if (o.metric) c = mix_over(c, o.colour);
      if (o.edema) c = mix_over(c, kEdemaColour);
      rgb[3 * x] = c.r;
      rgb[3 * x + 1] = c.g;
      rgb[3 * x + 2] = c.b;
    }
    canvas.set_row(x0, y0 + py, rgb);
  }
}

}  // namespace

void draw_plane_per_pixel(Canvas& canvas, int x0, int y0, const Plane& plane, const Layers& layers) {
  // The labels' continuous index once per pixel, shared by every layer on their grid (all of them, normally).
  const auto& grid = layers.labels->geometry;
  const LayerIndex background_index(layers.background, grid), ff_index(layers.ff, grid),
      edema_index(layers.edema, grid);
  std::vector<int> label(static_cast<std::size_t>(plane.width) * static_cast<std::size_t>(plane.height), 0);
  for (int py = 0; py < plane.height; ++py)
    for (int px = 0; px < plane.width; ++px) {
      const Vec3 p = plane.point(px, py);
      const Vec3 index = grid.physical_to_index(p);
      const auto l = nearest_at(*layers.labels, index);
      label[static_cast<std::size_t>(py) * static_cast<std::size_t>(plane.width) + static_cast<std::size_t>(px)] =
          l ? *l : 0;
      const auto grey = plane_grey(linear_at(*layers.background, background_index(index, p)), layers.window);
      Rgb c{grey, grey, grey};
      if (layers.ff && l && *l > 0) {
        const auto ff = nearest_at(*layers.ff, ff_index(index, p));
        if (ff && std::isfinite(*ff)) c = mix(c, metric_color(layers.metric, layers.info, *ff), layers.opacity);
      }
      if (layers.edema) {
        const auto e = nearest_at(*layers.edema, edema_index(index, p));
        if (e && *e) c = mix(c, kEdemaColour, layers.opacity);
      }
      canvas.set(x0 + px, y0 + py, c);
    }
  draw_outlines(canvas, x0, y0, plane, label);
}

void draw_plane(Canvas& canvas, int x0, int y0, const Plane& plane, const Layers& layers) {
  const auto grid = layers_share_grid(layers) ? PlaneGrid::make(plane, layers.labels->geometry) : std::nullopt;
  if (!grid) {
    draw_plane_per_pixel(canvas, x0, y0, plane, layers);
    return;
  }
  // The pixels' labels for the outlines, in a buffer each thread keeps: a series of slices would otherwise map
  // fresh pages (a large allocation) for every slice, which costs more than composing it.
  thread_local std::vector<int> label;
  label.assign(static_cast<std::size_t>(plane.width) * static_cast<std::size_t>(plane.height), 0);
  compose_from_tables(canvas, x0, y0, plane, layers, *grid, label);
  draw_outlines(canvas, x0, y0, plane, label);
}

void orientation_letters(Canvas& canvas, int x, int y, int w, int h, const Plane& plane) {
  const auto letter = [](const Vec3& v) { return std::string(1, orientation_letter(v[0], v[1], v[2])); };
  const Rgb colour{255, 255, 255};
  canvas.text(letter({-plane.right[0], -plane.right[1], -plane.right[2]}), x + 5, y + h / 2,
              {17, colour, true, HAlign::left, VAlign::center, 0, true});
  canvas.text(letter(plane.right), x + w - 5, y + h / 2, {17, colour, true, HAlign::right, VAlign::center, 0, true});
  canvas.text(letter({-plane.down[0], -plane.down[1], -plane.down[2]}), x + w / 2, y + 4,
              {17, colour, true, HAlign::center, VAlign::top, 0, true});
  canvas.text(letter(plane.down), x + w / 2, y + h - 4, {17, colour, true, HAlign::center, VAlign::bottom, 0, true});
}

void require_label_grid(const FigureInput& input) {
  input.labels->check();
  const auto& grid = input.labels->geometry;
  const auto check_grid = [&](const auto* volume, const char* what) {
    if (volume && !volume->geometry.same_grid(grid))
      throw core::MyoError(what, "not on the labels' grid (resample it first)");
  };
  check_grid(input.anatomy, "anatomy image");
  check_grid(input.fat_fraction_pct, "fat fraction map");
  check_grid(input.stir, "STIR image");
  check_grid(input.edema_mask, "edema mask");
}

namespace {

// The layers of the metric's slices: background series and window, the overlay; none when the input lacks them.
std::optional<Layers> slice_layers(const FigureInput& input, Metric metric, const FigureParams& params) {
  Layers layers;
  layers.labels = input.labels;
  layers.metric = metric;
  layers.info = metric_info(metric, params);
  layers.opacity = params.overlay_opacity;
  if (metric == Metric::fat_fraction) {
    if (!input.fat_fraction_pct) return std::nullopt;
    layers.ff = input.fat_fraction_pct;
    layers.background = input.anatomy ? input.anatomy : input.fat_fraction_pct;
  } else {
    if (!input.edema_mask) return std::nullopt;
    layers.edema = input.edema_mask;
    layers.background = input.stir ? input.stir : input.anatomy ? input.anatomy : input.fat_fraction_pct;
    if (!layers.background) return std::nullopt;
  }
  layers.window = robust_window(*layers.background);
  return layers;
}

// The labelled muscles plus a margin for the subcutaneous fat and skin, within the volume: what the panels frame.
Extent framed_extent(const core::Geometry& grid, const LabelStats& stats) {
  const Extent volume = volume_extent(grid);
  Extent extent;
  const double margin = std::max(30.0, 0.12 * std::max(stats.all.size(0), stats.all.size(1)));
  const std::array<double, 3> pad{margin, margin, 20.0};
  for (std::size_t a = 0; a < 3; ++a) {
    extent.low[a] = std::max(volume.low[a], stats.all.low[a] - pad[a]);
    extent.high[a] = std::min(volume.high[a], stats.all.high[a] + pad[a]);
  }
  return extent;
}

// The figure's layout in pixels: four axial panels (2 x 2), the coronal panel beside them, the colour bar, legend.
struct SliceLayout {
  int s = 0, margin = 16, gap = 10, title_h = 40, panel_title_h = 22, legend_h = 64;
  int coronal_w = 0, coronal_h = 0, bar_area = 0;
  [[nodiscard]] int width() const { return margin + 2 * s + gap + gap + coronal_w + bar_area + margin; }
  [[nodiscard]] int height() const { return title_h + panel_title_h + coronal_h + legend_h; }
};

SliceLayout slice_layout(int panel_px, const Extent& extent, Metric metric) {
  SliceLayout l;
  l.s = panel_px;
  l.coronal_h = 2 * l.s + l.gap + l.panel_title_h;
  const double zx = extent.size(0) / std::max(1e-6, extent.size(2));
  l.coronal_w = std::clamp(static_cast<int>(std::lround(l.coronal_h * zx)), l.s / 2, 2 * l.s);
  l.bar_area = metric == Metric::fat_fraction ? 150 : 50;
  return l;
}

// Axial: screen right = +x (patient left), screen down = +y (posterior): patient right on image left, anterior up.
void draw_axial_panels(Canvas& canvas, Figure& figure, const SliceLayout& l, const Extent& extent,
                       const std::vector<Level>& levels, const Layers& layers, std::optional<double> crotch_z) {
  const double axial_pixel = std::max(extent.size(0), extent.size(1)) / l.s;
  for (std::size_t i = 0; i < levels.size(); ++i) {
    const int col = static_cast<int>(i % 2), row = static_cast<int>(i / 2);
    const int x = l.margin + col * (l.s + l.gap);
    const int y = l.title_h + l.panel_title_h + row * (l.s + l.gap + l.panel_title_h);
    const Plane plane{{extent.mid(0), extent.mid(1), levels[i].z_mm}, {1, 0, 0}, {0, 1, 0}, axial_pixel, l.s, l.s};
    draw_plane(canvas, x, y, plane, layers);
    orientation_letters(canvas, x, y, l.s, l.s, plane);
    canvas.text(fmt::format("{}  ({})", levels[i].title, level_text(levels[i].z_mm, crotch_z)), x,
                y - l.panel_title_h + 3, {14, kText, true});
    figure.panels.push_back({levels[i].name, x, y, l.s, l.s});
  }
}

// Coronal through the femora (the mean y of the thigh muscles, which surround the femur), with the axial levels
// marked; the colour bar right of it for fat fraction.
void draw_coronal_panel(Canvas& canvas, Figure& figure, const SliceLayout& l, const Extent& extent,
                        const LabelStats& stats, const std::vector<Level>& levels, const Layers& layers) {
  const double y_femur = stats.thigh_count ? stats.thigh_y_sum / static_cast<double>(stats.thigh_count)
                                           : stats.all_y_sum / static_cast<double>(stats.all_count);
  const double coronal_pixel = std::max(extent.size(0) / l.coronal_w, extent.size(2) / l.coronal_h);
  const Plane coronal{
      {extent.mid(0), y_femur, extent.mid(2)}, {1, 0, 0}, {0, 0, -1}, coronal_pixel, l.coronal_w, l.coronal_h};
  const int cx = l.margin + 2 * l.s + 2 * l.gap, cy = l.title_h + l.panel_title_h;
  draw_plane(canvas, cx, cy, coronal, layers);
  orientation_letters(canvas, cx, cy, l.coronal_w, l.coronal_h, coronal);
  canvas.text("Coronal (through the femora)", cx, cy - l.panel_title_h + 3, {14, kText, true});
  for (const auto& level : levels) {  // where the axial slices are
    const int yy =
        cy + static_cast<int>(std::lround(l.coronal_h / 2.0 - (level.z_mm - extent.mid(2)) / coronal_pixel));
    if (yy < cy || yy >= cy + l.coronal_h) continue;
    canvas.hline(cx, cx + l.coronal_w - 1, yy, {255, 255, 120}, 4);
    canvas.fill_rect(cx + l.coronal_w, yy, 5, 1, kText);  // the level's name beside the panel
    canvas.text(level.short_title, cx + l.coronal_w + 7, yy, {12, kText, false, HAlign::left, VAlign::center});
  }
  figure.panels.push_back({"coronal", cx, cy, l.coronal_w, l.coronal_h});
  if (layers.metric == Metric::fat_fraction)
    draw_colorbar(canvas, cx + l.coronal_w + 72, cy + l.coronal_h / 5, 22, l.coronal_h * 3 / 5, layers.metric,
                  layers.info);
}

// Legend: outline colours of the groups present, and the overlay.
void draw_slice_legend(Canvas& canvas, const SliceLayout& l, const core::LabelVolume& labels, Metric metric) {
  int lx = l.margin;
  int ly = l.title_h + l.panel_title_h + l.coronal_h + 10;
  const auto& catalog = core::MuscleCatalog::instance();
  std::vector<bool> present(static_cast<std::size_t>(catalog.max_label()) + 1, false);
  for (const auto v : labels.voxels)
    if (v < present.size()) present[v] = true;
  if (metric == Metric::edema_fraction) {
    canvas.fill_rect(lx, ly + 2, 14, 12, kEdemaColour);
    lx += 20 + canvas.text("edema (STIR mask)", lx + 20, ly, {13, kText}).first + 18;
  }
  for (const auto& group : catalog.groups()) {
    if (!present[static_cast<std::size_t>(group.label_right)] && !present[static_cast<std::size_t>(group.label_left)])
      continue;
    const TextStyle style{13, kText};
    const int w = canvas.text_size(group.display_name, style).first + 40;
    if (lx + w > l.width() - l.margin) {
      lx = l.margin;
      ly += 22;
    }
    const Rgb colour{static_cast<std::uint8_t>(group.color_rgb[0]), static_cast<std::uint8_t>(group.color_rgb[1]),
                     static_cast<std::uint8_t>(group.color_rgb[2])};
    canvas.outline_rect(lx, ly + 2, 14, 12, colour);
    canvas.outline_rect(lx + 1, ly + 3, 12, 10, colour);
    canvas.text(group.display_name, lx + 20, ly, style);
    lx += w;
  }
}

}  // namespace

std::optional<Figure> draw_slices(const FigureInput& input, Metric metric, const std::filesystem::path& png,
                                  const FigureParams& params) {
  if (!input.labels) throw core::MyoError("slice overlays", "no label volume given");
  if (metric == Metric::mercuri_grade) return std::nullopt;  // a group value: no voxel map to overlay
  require_label_grid(input);
  const auto layers = slice_layers(input, metric, params);
  if (!layers) return std::nullopt;
  const LabelStats stats = label_stats(*input.labels);
  if (stats.all_count == 0) return std::nullopt;
  const auto levels = choose_levels(stats, input.crotch_z_mm);
  const Extent extent = framed_extent(input.labels->geometry, stats);
  const SliceLayout layout = slice_layout(params.slice_panel_px, extent, metric);

  Canvas canvas(layout.width(), layout.height());
  const std::string background_name = layers->background == input.stir      ? "STIR"
                                      : layers->background == input.anatomy ? "anatomy"
                                                                            : "fat fraction map";
  canvas.text(fmt::format("{} over {} \u2014 axial levels and coronal reformat (radiological view)",
                          metric == Metric::fat_fraction ? "Fat fraction" : "Edema", background_name),
              layout.margin, 10, {20, kText, true});
  Figure figure{"slices", metric, png, {}, layout.width(), layout.height(), {}};
  draw_axial_panels(canvas, figure, layout, extent, levels, *layers, input.crotch_z_mm);
  draw_coronal_panel(canvas, figure, layout, extent, stats, levels, *layers);
  draw_slice_legend(canvas, layout, *input.labels, metric);
  canvas.write_png(png);
  figure.caption = fmt::format(
      "{} over {} at the hip and the proximal, mid and distal thigh, and a coronal reformat through the femora; "
      "outlines in the colour of each muscle group; patient right on image left.",
      metric == Metric::fat_fraction ? "Fat fraction" : "Edema", background_name);
  return figure;
}

namespace {

// Trilinear interpolation where every axis has a voxel either side of the index (0 <= index < size - 1): the
// general case's weights, corner order and sum without its clamping, so the same value to the bit.
double linear_interior(const core::ImageVolume& volume, const Vec3& index) {
  const auto& g = volume.geometry;
  std::array<std::size_t, 3> i0{};
  std::array<std::array<double, 2>, 3> weight{};  // per axis: lower, upper corner
  for (std::size_t a = 0; a < 3; ++a) {
    i0[a] = static_cast<std::size_t>(index[a]);
    const double f = index[a] - static_cast<double>(i0[a]);
    weight[a] = {1 - f, f};
  }
  const float* corner0 = volume.voxels.data() + g.linear_index(i0[0], i0[1], i0[2]);
  const std::size_t row = g.size[0], slice = g.size[0] * g.size[1];
  double sum = 0;
  for (int corner = 0; corner < 8; ++corner) {
    const int x = corner & 1, y = (corner >> 1) & 1, z = (corner >> 2) & 1;
    const double w = weight[0][x] * weight[1][y] * weight[2][z];
    if (w <= 0) continue;
    const float v = corner0[static_cast<std::size_t>(x) + static_cast<std::size_t>(y) * row +
                            static_cast<std::size_t>(z) * slice];
    if (std::isfinite(v)) sum += w * v;
  }
  return sum;
}

bool interior(const core::Geometry& g, const Vec3& index) {
  for (std::size_t a = 0; a < 3; ++a)
    if (!(index[a] >= 0 && index[a] < static_cast<double>(g.size[a]) - 1)) return false;
  return true;
}

}  // namespace

std::optional<double> linear_general(const core::ImageVolume& volume, const Vec3& index) {
  const auto& s = volume.geometry.size;
  std::array<long, 3> i0{};
  std::array<double, 3> f{};
  for (std::size_t a = 0; a < 3; ++a) {
    if (index[a] < -0.5 || index[a] > static_cast<double>(s[a]) - 0.5) return std::nullopt;
    const double c = std::clamp(index[a], 0.0, static_cast<double>(s[a] - 1));
    i0[a] =
        std::min(static_cast<long>(std::floor(c)), static_cast<long>(s[a]) - 2 < 0 ? 0 : static_cast<long>(s[a]) - 2);
    f[a] = s[a] > 1 ? c - static_cast<double>(i0[a]) : 0.0;
  }
  double sum = 0;
  for (int corner = 0; corner < 8; ++corner) {
    double w = 1;
    std::array<std::size_t, 3> ijk{};
    for (std::size_t a = 0; a < 3; ++a) {
      const bool upper = (corner >> a) & 1;
      if (upper && s[a] == 1) {
        w = 0;
        break;
      }
      ijk[a] = static_cast<std::size_t>(i0[a] + (upper ? 1 : 0));
      w *= upper ? f[a] : 1 - f[a];
    }
    if (w <= 0) continue;
    const float v = volume.at(ijk[0], ijk[1], ijk[2]);
    if (std::isfinite(v)) sum += w * v;
  }
  return sum;
}

std::optional<double> linear_at(const core::ImageVolume& volume, const Vec3& index) {
  if (interior(volume.geometry, index)) return linear_interior(volume, index);
  return linear_general(volume, index);
}

std::optional<double> sample_linear(const core::ImageVolume& volume, const Vec3& p) {
  return linear_at(volume, volume.geometry.physical_to_index(p));
}

bool identical_grid(const core::Geometry& a, const core::Geometry& b) {
  return a.size == b.size && a.spacing_mm == b.spacing_mm && a.origin_mm == b.origin_mm && a.direction == b.direction;
}

}  // namespace myo::rendering::detail
