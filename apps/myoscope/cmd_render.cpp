// `myoscope render ANALYSIS_DIR`: re-renders the figures of an analysis folder written by `myoscope analyze`.
// Thin: reads the folder's volumes and report.json, calls myo::rendering. Needs an X display (xvfb-run -a).
#include <iostream>
#include <memory>
#include <optional>

#include "commands.hpp"
#include "myo/core/error.hpp"
#include "myo/core/exit_codes.hpp"
#include "myo/core/log.hpp"
#include "myo/core/muscle_catalog.hpp"
#include "myo/core/nifti_io.hpp"
#include "myo/core/resample.hpp"
#include "myo/rendering/figures.hpp"
#include "myo/rendering/scene_export.hpp"
#include "myo/reporting/report.hpp"

namespace myo::app {
namespace fs = std::filesystem;

namespace {

struct RenderOptions {
  fs::path analysis;
  fs::path output;     // default: ANALYSIS_DIR/figures
  std::string metric;  // empty: every metric the folder allows
  bool scene = false;
};

// The first of `names` present in `dir`, read onto the labels' grid (resampled explicitly when it differs).
std::optional<core::ImageVolume> read_optional(const fs::path& dir, std::initializer_list<const char*> names,
                                               const core::Geometry& grid) {
  for (const char* name : names) {
    const fs::path path = dir / name;
    if (!fs::exists(path)) continue;
    auto image = core::read_image(path);
    if (!image.geometry.same_grid(grid)) image = core::resample_to(image, grid);
    log::debug("render: using {}", path.string());
    return image;
  }
  return std::nullopt;
}

}  // namespace

CommandRunner add_render_command(CLI::App& root) {
  auto* cmd = root.add_subcommand("render",
                                  "Re-render the figures (3D map, involvement strip, slice overlays) of an analysis "
                                  "folder; needs an X display: run under `xvfb-run -a`");
  auto options = std::make_shared<RenderOptions>();
  cmd->add_option("ANALYSIS_DIR", options->analysis, "Analysis folder written by `myoscope analyze`")->required();
  cmd->add_option("-o,--output", options->output, "Figure folder (default: ANALYSIS_DIR/figures)");
  cmd->add_option("--metric", options->metric,
                  std::string("Metric to draw: ") + rendering::kMetricNames +
                      "; the grade as a 3D map only (default: fat and edema, each one available)")
      ->check(CLI::Validator(
          [](const std::string& text) {
            return rendering::metric_from_string(text) ? std::string()
                                                       : "unknown metric '" + text + "'; metrics: " +
                                                             rendering::kMetricNames;
          },
          "METRIC"));
  cmd->add_flag("--scene", options->scene, "Also export scene.glb and one VTP surface per group and side");
  return [options]() -> int {
    const fs::path& dir = options->analysis;
    const fs::path out = options->output.empty() ? dir / "figures" : options->output;
    if (!fs::is_directory(dir)) throw core::MyoError(dir.string(), "not a folder");
    const auto labels = core::read_labels(dir / "labels.nii.gz");
    const auto ff = read_optional(dir, {"fat_fraction.nii.gz"}, labels.geometry);
    const auto anatomy = read_optional(dir, {"anatomy.nii.gz", "water.nii.gz", "t1.nii.gz"}, labels.geometry);
    const auto stir = read_optional(dir, {"stir.nii.gz"}, labels.geometry);
    std::optional<core::MaskVolume> edema;
    if (const auto mask = read_optional(dir, {"edema_mask.nii.gz"}, labels.geometry)) {
      edema = core::MaskVolume(mask->geometry, 0);
      for (std::size_t i = 0; i < mask->voxels.size(); ++i) edema->voxels[i] = mask->voxels[i] > 0.5F ? 1 : 0;
    }
    std::optional<core::MaskVolume> bone;  // femur and pelvis, drawn as context in the 3D map
    if (const auto mask = read_optional(dir, {"bone.nii.gz"}, labels.geometry)) {
      bone = core::MaskVolume(mask->geometry, 0);
      for (std::size_t i = 0; i < mask->voxels.size(); ++i) bone->voxels[i] = mask->voxels[i] > 0.5F ? 1 : 0;
    }

    rendering::FigureInput input;
    input.labels = &labels;
    input.fat_fraction_pct = ff ? &*ff : nullptr;
    input.anatomy = anatomy ? &*anatomy : nullptr;  // without it the fat map is its own background
    input.stir = stir ? &*stir : nullptr;
    input.edema_mask = edema ? &*edema : nullptr;
    input.bone = bone ? &*bone : nullptr;
    for (const auto& m : reporting::read_report_muscles(dir / "report.json"))
      input.measurements.push_back(reporting::to_measurement(m));
    rendering::FigureParams params;
    if (!options->metric.empty()) params.metrics = {*rendering::metric_from_string(options->metric)};

    const auto figures = rendering::render_study_figures(input, out, params);
    for (const auto& f : figures) std::cout << f.path.string() << '\n';
    if (options->scene) {
      const auto scene = rendering::export_scene(input, out / "scene.glb", out / "surfaces");
      std::cout << scene.glb.string() << '\n';
    }
    if (figures.empty())
      throw core::MyoError(dir.string(),
                           "nothing to render: the folder has no fat fraction map, edema mask or "
                           "measurements");
    return core::kExitOk;
  };
}

}  // namespace myo::app
