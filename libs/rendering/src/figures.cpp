#include "myo/rendering/figures.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "figures_internal.hpp"
#include "myo/core/error.hpp"
#include "myo/core/log.hpp"
#include "myo/core/muscle_catalog.hpp"

namespace myo::rendering {
namespace fs = std::filesystem;

namespace detail {

std::optional<double> metric_value(const quantification::GroupMeasurement& m, Metric metric) {
  switch (metric) {
    case Metric::fat_fraction:
      return m.fat_fraction_pct;
    case Metric::edema_fraction:
      return m.edema_fraction_pct;
    case Metric::mercuri_grade:
      return m.mercuri_grade ? std::optional<double>(*m.mercuri_grade) : std::nullopt;
  }
  return std::nullopt;
}

bool measurements_have(const FigureInput& input, Metric metric) { return !metric_by_label(input, metric).empty(); }

std::map<int, double> metric_by_label(const FigureInput& input, Metric metric) {
  std::map<int, double> out;
  const auto& catalog = core::MuscleCatalog::instance();
  for (const auto& m : input.measurements) {
    const auto v = metric_value(m, metric);
    if (!v) continue;
    int label = m.label;
    if (label == 0)
      if (const auto* g = catalog.find(m.group)) label = g->label(m.side);
    if (label != 0) out[label] = *v;
  }
  if (!out.empty() || !input.labels || metric == Metric::mercuri_grade) return out;  // grades come from the report
  // No measurement of this metric (e.g. a report without it): the group means straight from the volumes.
  const auto& labels = input.labels->voxels;
  std::map<int, std::pair<double, std::size_t>> sums;
  if (metric == Metric::fat_fraction && input.fat_fraction_pct &&
      input.fat_fraction_pct->voxels.size() == labels.size()) {
    for (std::size_t i = 0; i < labels.size(); ++i) {
      const float v = input.fat_fraction_pct->voxels[i];
      if (labels[i] == 0 || !std::isfinite(v)) continue;
      auto& s = sums[labels[i]];
      s.first += std::clamp(static_cast<double>(v), 0.0, 100.0);
      ++s.second;
    }
  } else if (metric == Metric::edema_fraction && input.edema_mask && input.edema_mask->voxels.size() == labels.size()) {
    for (std::size_t i = 0; i < labels.size(); ++i) {
      if (labels[i] == 0) continue;
      auto& s = sums[labels[i]];
      s.first += input.edema_mask->voxels[i] ? 100.0 : 0.0;
      ++s.second;
    }
  }
  for (const auto& [label, s] : sums)
    if (catalog.from_label(label)) out[label] = s.first / static_cast<double>(s.second);
  return out;
}

std::string group_side_name(int label) {
  const auto gs = core::MuscleCatalog::instance().from_label(label);
  if (!gs) return fmt::format("label {}", label);
  return fmt::format("{} {}", gs->group->display_name, gs->side == core::Side::right ? "R" : "L");
}

}  // namespace detail

namespace {

const char* missing_map(Metric metric) {
  switch (metric) {
    case Metric::fat_fraction:
      return "fat fraction map missing";
    case Metric::edema_fraction:
      return "edema mask missing";
    case Metric::mercuri_grade:
      return "the grade is drawn on the 3D map only";
  }
  return "";
}

void check_input(const FigureInput& input) {
  if (!input.labels) throw core::MyoError("figures", "no label volume given");
  input.labels->check();
}

// The femur and pelvis, context of the 3D map; null when not asked for, absent or not on the labels' grid.
vtkSmartPointer<vtkPolyData> bone_surface(const FigureInput& input, const FigureParams& params) {
  if (!params.bone_context || !input.bone) return nullptr;
  if (!input.bone->geometry.same_grid(input.labels->geometry)) {
    log::warn("3D map: the bone mask is not on the labels' grid; drawn without bone");
    return nullptr;
  }
  return detail::build_bone_surface(*input.bone, input.labels->geometry, params.smoothing_iterations,
                                    params.smoothing_pass_band, params.surface_max_voxels);
}

fs::path prepare_dir(const fs::path& dir) {
  try {
    fs::create_directories(dir);
  } catch (const fs::filesystem_error& e) {
    throw core::MyoError(dir.string(), std::string("cannot create the figure folder: ") + e.code().message(),
                         core::ErrorKind::output);
  }
  return dir;
}

}  // namespace

std::optional<Figure> render_map3d(const FigureInput& input, Metric metric, const fs::path& png,
                                   const FigureParams& params) {
  check_input(input);
  if (!detail::measurements_have(input, metric)) return std::nullopt;
  require_display();
  route_vtk_output();
  const auto surfaces = detail::label_surfaces(input, params.smoothing_iterations, params.smoothing_pass_band,
                                               params.surface_max_voxels);
  if (surfaces.labels.empty()) return std::nullopt;
  vtkSmartPointer<vtkPolyData> skin;
  if (params.skin_outline && input.anatomy) skin = detail::build_skin_surface(*input.anatomy);
  const auto bone = bone_surface(input, params);
  return detail::draw_map3d(input, surfaces, skin, bone, metric, png, params);
}

std::optional<Figure> render_involvement_strip(const FigureInput& input, Metric metric, const fs::path& png,
                                               const FigureParams& params) {
  check_input(input);
  route_vtk_output();
  return detail::draw_involvement(input, metric, png, params);
}

std::optional<Figure> render_slice_overlays(const FigureInput& input, Metric metric, const fs::path& png,
                                            const FigureParams& params) {
  check_input(input);
  route_vtk_output();
  return detail::draw_slices(input, metric, png, params);
}

std::vector<Figure> render_study_figures(const FigureInput& input, const fs::path& out_dir,
                                         const FigureParams& params) {
  check_input(input);
  require_display();
  route_vtk_output();
  prepare_dir(out_dir);
  using Clock = std::chrono::steady_clock;
  const auto seconds = [](Clock::time_point since) {
    return std::chrono::duration<double>(Clock::now() - since).count();
  };

  std::vector<Figure> figures;
  const auto start = Clock::now();
  // The surfaces and the body outline serve every metric: build them once.
  std::optional<detail::LabelSurfaces> surfaces;
  vtkSmartPointer<vtkPolyData> skin;
  vtkSmartPointer<vtkPolyData> bone;
  for (const Metric metric : params.metrics) {
    const std::string key = to_string(metric);
    if (detail::measurements_have(input, metric)) {
      if (!surfaces) {
        const auto t = Clock::now();
        surfaces = detail::label_surfaces(input, params.smoothing_iterations, params.smoothing_pass_band,
                                          params.surface_max_voxels);
        if (params.skin_outline && input.anatomy) skin = detail::build_skin_surface(*input.anatomy);
        bone = bone_surface(input, params);
        log::debug("surfaces: {} labels, {} triangles in {:.2f} s", surfaces->labels.size(),
                   surfaces->mesh->GetNumberOfPolys(), seconds(t));
      }
      if (!surfaces->labels.empty()) {
        const auto t = Clock::now();
        figures.push_back(
            detail::draw_map3d(input, *surfaces, skin, bone, metric, out_dir / ("map3d_" + key + ".png"), params));
        log::debug("3D map of {}: {:.2f} s", key, seconds(t));
      }
    } else {
      log::info("3D map of {} skipped: no group has that measurement or map", key);
    }
    auto t = Clock::now();
    if (auto f = detail::draw_involvement(input, metric, out_dir / ("involvement_" + key + ".png"), params))
      figures.push_back(std::move(*f));
    else
      log::info("involvement strip of {} skipped: {}", key, missing_map(metric));
    log::debug("involvement strip of {}: {:.2f} s", key, seconds(t));
    t = Clock::now();
    if (auto f = detail::draw_slices(input, metric, out_dir / ("slices_" + key + ".png"), params))
      figures.push_back(std::move(*f));
    else
      log::info("slice overlays of {} skipped: {}", key, missing_map(metric));
    log::debug("slice overlays of {}: {:.2f} s", key, seconds(t));
  }
  log::info("{} figures written to {} in {:.2f} s", figures.size(), out_dir.string(), seconds(start));
  return figures;
}

}  // namespace myo::rendering
