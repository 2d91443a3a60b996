// Involvement strip: the metric per group and side (rows) along the limb (columns, distal -> proximal).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "canvas.hpp"
#include "figures_internal.hpp"
#include "myo/core/error.hpp"
#include "myo/core/muscle_catalog.hpp"
#include "myo/rendering/levels.hpp"

namespace myo::rendering::detail {

std::optional<Figure> draw_involvement(const FigureInput& input, Metric metric, const std::filesystem::path& png,
                                       const FigureParams& params) {
  if (!input.labels) throw core::MyoError("involvement strip", "no label volume given");
  if (metric == Metric::mercuri_grade) return std::nullopt;  // a group value: no profile along the limb
  LevelProfiles profiles;
  if (metric == Metric::fat_fraction) {
    if (!input.fat_fraction_pct) return std::nullopt;
    profiles = fat_fraction_profiles(*input.labels, *input.fat_fraction_pct, params.slab_mm);
  } else {
    if (!input.edema_mask) return std::nullopt;
    profiles = edema_profiles(*input.labels, *input.edema_mask, params.slab_mm);
  }
  if (profiles.rows.empty()) return std::nullopt;
  const MetricInfo info = metric_info(metric, params);
  const auto& catalog = core::MuscleCatalog::instance();

  const int columns = static_cast<int>(profiles.slab_low_z_mm.size());
  const int rows = static_cast<int>(profiles.rows.size());
  const int margin = 16, title_h = 44, label_w = 250, row_h = 22, axis_h = 64, bar_area = 130;
  const int cell_w = std::clamp(880 / std::max(1, columns), 10, 48);
  const int grid_w = cell_w * columns;
  const int width = std::max(margin + label_w + grid_w + bar_area + margin, 720);
  const int group_gaps = static_cast<int>(std::count_if(profiles.rows.begin() + (rows > 0 ? 1 : 0), profiles.rows.end(),
                                                        [](const LevelRow& r) { return r.side == core::Side::right; }));
  const int grid_h = rows * row_h + group_gaps * 6;
  const int height = title_h + grid_h + axis_h;
  Canvas canvas(width, height);
  canvas.text(fmt::format("{} along the limb per muscle group and side ({:g} mm levels)", info.title, profiles.slab_mm),
              margin, 12, {20, kText, true});

  Figure figure;
  figure.kind = "involvement";
  figure.metric = metric;
  figure.path = png;
  figure.width_px = width;
  figure.height_px = height;

  const int gx = margin + label_w, gy = title_h;
  int y = gy;
  for (int r = 0; r < rows; ++r) {
    const auto& row = profiles.rows[static_cast<std::size_t>(r)];
    if (r > 0 && row.side == core::Side::right) y += 6;  // a gap between groups; right and left stay adjacent
    const auto* group = catalog.find(row.group);
    const std::string name = group ? group->display_name : row.group;
    canvas.text(fmt::format("{}  {}", name, row.side == core::Side::right ? "R" : "L"), gx - 8, y + row_h / 2,
                {13, kText, row.side == core::Side::right, HAlign::right, VAlign::center});
    for (int c = 0; c < columns; ++c) {
      const auto& v = row.values[static_cast<std::size_t>(c)];
      const int x = gx + c * cell_w;
      if (v) {
        canvas.fill_rect(x, y, cell_w - 1, row_h - 1, metric_color(metric, info, *v));
      } else {  // no muscle of this group at this level: hatched, so it never reads as a low value
        canvas.fill_rect(x, y, cell_w - 1, row_h - 1, {250, 250, 250});
        for (int yy = y; yy < y + row_h - 1; ++yy)
          for (int xx = x; xx < x + cell_w - 1; ++xx)
            if ((xx + yy) % 6 == 0) canvas.set(xx, yy, {205, 205, 205});
      }
    }
    figure.panels.push_back({fmt::format("{}_{}", row.group, core::to_string(row.side)), gx, y, grid_w, row_h});
    y += row_h;
  }
  canvas.outline_rect(gx - 1, gy - 1, grid_w + 1, y - gy + 1, {150, 150, 150});

  // Axis: level of each column (relative to the crotch when known), distal on the left.
  const int ay = y + 4;
  const int every = std::max(1, static_cast<int>(std::ceil(60.0 / cell_w)));
  for (int c = 0; c < columns; ++c) {
    const double mid_z = profiles.slab_low_z_mm[static_cast<std::size_t>(c)] + profiles.slab_mm / 2;
    if (c % every != 0) continue;
    const int x = gx + c * cell_w + cell_w / 2;
    canvas.fill_rect(x, ay, 1, 5, kText);
    const double shown = input.crotch_z_mm ? mid_z - *input.crotch_z_mm : mid_z;
    canvas.text(fmt::format("{:+.0f}", shown), x, ay + 7, {11, kText, false, HAlign::center});
  }
  canvas.text(input.crotch_z_mm ? "level: mm from the crotch (slab centre)" : "level: LPS z in mm (slab centre)",
              gx + grid_w / 2, ay + 24, {12, kText, false, HAlign::center});
  canvas.text("distal (knee)", gx, ay + 42, {12, {90, 90, 90}});
  canvas.text("proximal (hip)", gx + grid_w, ay + 42, {12, {90, 90, 90}, false, HAlign::right});
  if (input.crotch_z_mm) {
    const double first = profiles.slab_low_z_mm.front();
    const int x = gx + static_cast<int>(std::lround((*input.crotch_z_mm - first) / profiles.slab_mm * cell_w));
    if (x >= gx && x <= gx + grid_w) {
      for (int yy = gy - 6; yy < y + 2; yy += 4) canvas.fill_rect(x, yy, 1, 2, kText);
      canvas.text("crotch", x, gy - 7, {11, kText, false, HAlign::center, VAlign::bottom});
    }
  }
  draw_colorbar(canvas, gx + grid_w + 60, gy + 4, 20, std::max(80, std::min(grid_h - 8, 260)), metric, info);
  canvas.write_png(png);
  figure.caption = fmt::format(
      "{} of each muscle group and side in {:g} mm levels from distal (left) to proximal (right); hatched: the "
      "group is absent or too small at that level.",
      info.title, profiles.slab_mm);
  return figure;
}

}  // namespace myo::rendering::detail
