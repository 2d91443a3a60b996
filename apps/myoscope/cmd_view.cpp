// `myoscope view PATH`: the interactive viewer of an analysis folder (or of a DICOM study, analysed first).
// Thin: reads the folder's volumes and report.json, calls myo::rendering::run_viewer / viewer_screenshot.
#include <unistd.h>

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
#include "myo/pipeline/analyze.hpp"
#include "myo/rendering/figures.hpp"
#include "myo/rendering/viewer.hpp"
#include "temporary_folder.hpp"
#include "myo/reporting/report.hpp"

namespace myo::app {
namespace fs = std::filesystem;

namespace {

constexpr const char* kNoDisplayMessage =
    "no X display: run under xvfb-run -a or set DISPLAY (--screenshot starts its own Xvfb when installed); for "
    "figures without a window use `myoscope render`";

struct ViewOptions {
  fs::path path;
  fs::path analysis_output;  // where a DICOM study is analysed (default: a temporary folder, removed afterwards)
  std::string metric = "fat";
  std::string series;
  double opacity = 0.5;
  fs::path screenshot;
  fs::path screenshot_dir = ".";
  std::string pick_group;
  std::string pick_side = "right";
  std::vector<std::string> keys;
  int width = 1400, height = 1000;
};

// Everything the viewer shows, read from an analysis folder; volumes not on the labels' grid are resampled
// explicitly (and said so).
struct AnalysisFolder {
  core::LabelVolume labels;
  std::vector<std::pair<std::string, core::ImageVolume>> series;
  std::optional<core::ImageVolume> fat_fraction;
  std::optional<core::MaskVolume> edema;
  std::optional<core::MaskVolume> bone;
  std::vector<quantification::GroupMeasurement> measurements;
};

std::optional<core::ImageVolume> read_on_grid(const fs::path& path, const core::Geometry& grid) {
  if (!fs::exists(path)) return std::nullopt;
  auto image = core::read_image(path);
  if (!image.geometry.same_grid(grid)) {
    log::warn("view: {} is not on the labels' grid; resampled for display", path.string());
    image = core::resample_to(image, grid);
  }
  return image;
}

AnalysisFolder read_analysis(const fs::path& dir) {
  AnalysisFolder a;
  a.labels = core::read_labels(dir / "labels.nii.gz");
  const auto& grid = a.labels.geometry;
  for (const char* name : {"water", "t1", "stir"})
    if (auto image = read_on_grid(dir / (std::string(name) + ".nii.gz"), grid)) a.series.emplace_back(name, *image);
  a.fat_fraction = read_on_grid(dir / "fat_fraction.nii.gz", grid);
  if (a.fat_fraction) a.series.emplace_back("fat_fraction", *a.fat_fraction);
  if (const auto mask = read_on_grid(dir / "edema_mask.nii.gz", grid)) {
    a.edema = core::MaskVolume(mask->geometry, 0);
    for (std::size_t i = 0; i < mask->voxels.size(); ++i) a.edema->voxels[i] = mask->voxels[i] > 0.5F ? 1 : 0;
  }
  if (const auto mask = read_on_grid(dir / "bone.nii.gz", grid)) {
    a.bone = core::MaskVolume(mask->geometry, 0);
    for (std::size_t i = 0; i < mask->voxels.size(); ++i) a.bone->voxels[i] = mask->voxels[i] > 0.5F ? 1 : 0;
  }
  if (a.series.empty())
    throw core::MyoError(dir.string(),
                         "no series to show (water, t1, stir or fat_fraction .nii.gz); re-run "
                         "`myoscope analyze` without --no-maps");
  for (const auto& m : reporting::read_report_muscles(dir / "report.json"))
    a.measurements.push_back(reporting::to_measurement(m));
  return a;
}

}  // namespace

CommandRunner add_view_command(CLI::App& root) {
  auto* cmd = root.add_subcommand(
      "view",
      "Interactive viewer: 3D muscle groups coloured by a metric, axial/coronal/sagittal slices with the label and "
      "metric overlay, pick a muscle to see its numbers. PATH is an analysis folder or a DICOM study (analysed "
      "first). Needs an X display (exit code 6 without one).\nKeys:\n" +
          rendering::viewer_key_help());
  auto options = std::make_shared<ViewOptions>();
  cmd->add_option("PATH", options->path, "Analysis folder (with report.json) or a DICOM study folder")->required();
  cmd->add_option("-o,--output", options->analysis_output,
                  "When PATH is a DICOM study: keep its analysis in this folder (default: temporary, removed)");
  cmd->add_option("--metric", options->metric,
                  std::string("Initial metric: ") + rendering::kMetricNames + ", or labels (groups)")
      ->check(CLI::Validator(
          [](const std::string& text) {
            return rendering::viewer_metric_from_string(text)
                       ? std::string()
                       : "unknown metric '" + text + "'; metrics: " + rendering::kMetricNames + ", labels";
          },
          "METRIC"));
  cmd->add_option("--series", options->series, "Initial series: water, t1, stir or fat_fraction");
  cmd->add_option("--opacity", options->opacity, "Overlay opacity 0..1")->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--screenshot", options->screenshot,
                  "Render one frame off-screen into this PNG and exit (no interaction)");
  cmd->add_option("--screenshot-dir", options->screenshot_dir, "Folder of the screenshots saved with the s key");
  cmd->add_option("--pick-group", options->pick_group, "Pick this muscle group (as a click on the axial view)");
  cmd->add_option("--pick-side", options->pick_side, "Side of --pick-group: right or left (the patient's)")
      ->check(CLI::IsMember({"right", "left"}));
  cmd->add_option("--keys", options->keys, "Keys pressed before the first frame, comma-separated (e.g. m,n,Up)")
      ->delimiter(',');
  cmd->add_option("--width", options->width, "Window width in pixels")->check(CLI::Range(400, 8000));
  cmd->add_option("--height", options->height, "Window height in pixels")->check(CLI::Range(300, 8000));
  return [options]() -> int {
    // The display first: without one nothing else is worth doing. A screenshot may use a private Xvfb; the window
    // needs a display someone looks at.
    if (options->screenshot.empty() ? !rendering::display_available() : !rendering::offscreen_display_available())
      throw core::MyoError("DISPLAY", kNoDisplayMessage, core::ErrorKind::no_display);
    fs::path dir = options->path;
    TemporaryFolder temporary;
    if (!fs::exists(dir)) throw core::MyoError(dir.string(), "does not exist");
    if (!fs::exists(dir / "report.json")) {
      // A DICOM study: analyse it (no figures, documents or DICOM results: only what the viewer shows).
      pipeline::AnalyzeOptions analyze;
      analyze.input = dir;
      if (options->analysis_output.empty()) {
        temporary.path = fs::temp_directory_path() / ("myoscope-view-" + std::to_string(::getpid()));
        analyze.output = temporary.path;
      } else {
        analyze.output = options->analysis_output;
      }
      analyze.write_figures = false;
      analyze.write_dicom = false;
      analyze.write_reports = false;
      log::info("view: {} has no report.json; analysing it as a DICOM study into {}", dir.string(),
                analyze.output.string());
      const auto outcome = pipeline::analyze_study(analyze);
      if (outcome.exit_code != core::kExitOk && outcome.exit_code != core::kExitPartial) return outcome.exit_code;
      dir = analyze.output;
    }
    const auto analysis = read_analysis(dir);

    rendering::ViewerInput input;
    input.labels = &analysis.labels;
    for (const auto& [name, image] : analysis.series) input.series.push_back({name, &image});
    input.fat_fraction_pct = analysis.fat_fraction ? &*analysis.fat_fraction : nullptr;
    input.edema_mask = analysis.edema ? &*analysis.edema : nullptr;
    input.bone = analysis.bone ? &*analysis.bone : nullptr;
    input.measurements = analysis.measurements;
    input.title = fs::absolute(options->path).lexically_normal().filename().string();

    rendering::ViewerOptions view;
    view.metric = *rendering::viewer_metric_from_string(options->metric);
    view.series = options->series;
    view.overlay_opacity = options->opacity;
    view.width_px = options->width;
    view.height_px = options->height;
    view.pick_group = options->pick_group;
    view.pick_side = options->pick_side == "left" ? core::Side::left : core::Side::right;
    view.keys = options->keys;
    view.screenshot_dir = options->screenshot_dir;

    if (!options->screenshot.empty()) {
      const auto frame = rendering::viewer_screenshot(input, options->screenshot, view);
      log::info("view: first frame after {:.2f} s", frame.first_frame_seconds);
      std::cout << options->screenshot.string() << '\n';
      if (!frame.pick_text.empty()) std::cout << frame.pick_text << '\n';
      return core::kExitOk;
    }
    rendering::run_viewer(input, view);
    return core::kExitOk;
  };
}

}  // namespace myo::app
