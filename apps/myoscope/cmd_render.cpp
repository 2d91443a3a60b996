// `myoscope render ANALYSIS_DIR`: re-renders the figures of an analysis folder written by `myoscope analyze`.
// Thin: reads the folder's volumes and report.json, calls myo::rendering. Needs an X display (xvfb-run -a).
#include <iostream>
#include <memory>
#include <optional>

#include "commands.hpp"
#include "myo/core/error.hpp"
#include "myo/core/exit_codes.hpp"
#include "myo/pipeline/analysis_folder.hpp"
#include "myo/rendering/figures.hpp"
#include "myo/rendering/scene_export.hpp"

namespace myo::app {
namespace fs = std::filesystem;

namespace {

struct RenderOptions {
  fs::path analysis;
  fs::path output;     // default: ANALYSIS_DIR/figures
  std::string metric;  // empty: every metric the folder allows
  bool scene = false;
};

// The first display series of `names` the folder holds, else null.
const core::ImageVolume* display_series(const pipeline::AnalysisContents& analysis,
                                        std::initializer_list<const char*> names) {
  for (const std::string name : names)
    for (const auto& [series, image] : analysis.display_series)
      if (series == name) return &image;
  return nullptr;
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
    const auto analysis = pipeline::AnalysisFolder(dir).read(pipeline::kAllMaps);

    rendering::FigureInput input;
    input.labels = &analysis.labels;
    input.fat_fraction_pct = analysis.fat_fraction_pct ? &*analysis.fat_fraction_pct : nullptr;
    input.anatomy = display_series(analysis, {"water", "t1"});  // without it the fat map is its own background
    input.stir = display_series(analysis, {"stir"});
    input.edema_mask = analysis.edema_mask ? &*analysis.edema_mask : nullptr;
    input.bone = analysis.bone ? &*analysis.bone : nullptr;  // femur and pelvis, drawn as context in the 3D map
    input.measurements = analysis.measurements;
    const rendering::SurfaceCache surfaces;  // the 3D maps' surfaces serve the scene too
    input.surfaces = &surfaces;
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
