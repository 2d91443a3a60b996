// `myoscope view PATH`: the interactive viewer of an analysis folder (or of a DICOM study, analysed first).
// Thin: reads the folder's volumes and report.json, calls myo::rendering::run_viewer / viewer_screenshot.
#include <unistd.h>

#include <fmt/format.h>

#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <variant>

#include "commands.hpp"
#include "myo/core/error.hpp"
#include "myo/core/exit_codes.hpp"
#include "myo/core/log.hpp"
#include "myo/core/nifti_io.hpp"
#include "myo/pipeline/analysis_folder.hpp"
#include "myo/pipeline/analyze.hpp"
#include "myo/pipeline/edit_analysis.hpp"
#include "myo/pipeline/previous_visit.hpp"
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
  fs::path previous;  // the analysis folder of the patient's previous visit
  std::string pick_group;
  std::string pick_side = "right";
  std::vector<std::string> keys;
  std::vector<std::string> actions;
  std::string reader;
  int width = 1400, height = 1000;
};

// Everything the viewer shows, read from an analysis folder (pipeline::AnalysisFolder): the display series, then
// the fat fraction as a series of its own.
pipeline::AnalysisContents read_analysis(const fs::path& dir) {
  auto a = pipeline::AnalysisFolder(dir).read(pipeline::kAllMaps);
  if (a.fat_fraction_pct) a.display_series.emplace_back("fat_fraction", *a.fat_fraction_pct);
  if (a.display_series.empty())
    throw core::MyoError(dir.string(),
                         "no series to show (water, t1, stir or fat_fraction .nii.gz); re-run "
                         "`myoscope analyze` without --no-maps");
  return a;
}

std::map<int, rendering::LabelNumbers> label_numbers(const fs::path& report) {
  std::map<int, rendering::LabelNumbers> numbers;
  for (const auto& l : reporting::read_report_labels(report))
    numbers[l.label] = {l.volume_ml, l.fat_fraction_pct, l.edema_fraction_pct};
  return numbers;
}

// Edit mode on the folder shown: the map the next edit log applies to, the automatic segmentation's confidence of
// its labels, and a save that requantifies as `myoscope edit` into the next version. `map` keeps the labels alive.
rendering::ViewerEditing edit_input(const fs::path& shown, bool temporary, const std::string& reader,
                                    core::LabelVolume& map) {
  rendering::ViewerEditing edit;
  if (temporary) {
    edit.unavailable_reason = "the study was analysed into a temporary folder: give -o OUT to keep corrections";
    return edit;
  }
  fs::path analysis;
  try {
    analysis = pipeline::editable_analysis(shown);
    map = core::read_labels(pipeline::latest_label_map(analysis));
  } catch (const core::MyoError& e) {
    edit.unavailable_reason = e.error().subject + " " + e.error().message;
    return edit;
  }
  edit.labels = &map;
  for (const auto& l : reporting::read_report_labels(analysis / "report.json"))
    if (l.confidence) edit.confidence.push_back({l.label, *l.confidence, l.flagged});
  edit.numbers = label_numbers(shown / "report.json");
  edit.reader = reader;
  edit.save = [analysis, reader](const editing::EditLog& log) {
    pipeline::EditOptions options;
    options.analysis = analysis;
    options.reader = reader;
    const auto outcome = pipeline::save_edits(log, options);
    if (outcome.exit_code != core::kExitOk && outcome.exit_code != core::kExitPartial)
      throw core::MyoError(analysis.string(), fmt::format("requantification ended with exit code {}", outcome.exit_code));
    rendering::SavedVersion saved;
    saved.name = outcome.version.filename().string();
    saved.labels = label_numbers(outcome.version / "report.json");
    for (const auto& m : reporting::read_report_muscles(outcome.version / "report.json"))
      saved.measurements.push_back(reporting::to_measurement(m));
    return saved;
  };
  return edit;
}

// The display series `name` of an analysis, or null.
const core::ImageVolume* display_series(const pipeline::AnalysisContents& a, const std::string& name) {
  for (const auto& [n, image] : a.display_series)
    if (n == name) return &image;
  return nullptr;
}

// The viewer's view of the change since the previous visit (the map stays owned by `visit`).
rendering::ViewerChange viewer_change(const pipeline::PreviousVisit& visit) {
  auto change = pipeline::change_colours(visit.comparison);
  change.fat_fraction_points = visit.fat_fraction_change_points ? &*visit.fat_fraction_change_points : nullptr;
  change.slice_note = visit.slice_note;
  return change;
}

bool is_change_metric(const std::string& metric) {
  const auto m = rendering::viewer_metric_from_string(metric);
  return m == rendering::ViewerMetric::change_fat || m == rendering::ViewerMetric::change_edema;
}

// A DICOM study is analysed first (no figures, documents or DICOM results: only what the viewer shows), into -o or a
// temporary folder; returns the analysis folder, or the analysis's exit code when it failed.
std::variant<fs::path, int> analyse_for_viewing(const ViewOptions& options, TemporaryFolder& temporary) {
  pipeline::AnalyzeOptions analyze;
  analyze.input = options.path;
  if (options.analysis_output.empty()) {
    temporary.path = fs::temp_directory_path() / ("myoscope-view-" + std::to_string(::getpid()));
    analyze.output = temporary.path;
  } else {
    analyze.output = options.analysis_output;
  }
  analyze.write_figures = false;
  analyze.write_dicom = false;
  analyze.write_reports = false;
  log::info("view: {} has no report.json; analysing it as a DICOM study into {}", options.path.string(),
            analyze.output.string());
  const auto outcome = pipeline::analyze_study(analyze);
  if (outcome.exit_code != core::kExitOk && outcome.exit_code != core::kExitPartial) return outcome.exit_code;
  if (!options.previous.empty()) pipeline::check_previous_visit(analyze.output, options.previous);
  return analyze.output;
}

// What the viewer shows of an analysis (the volumes stay owned by `analysis`, `previous` and `edit_map`).
rendering::ViewerInput viewer_input(const ViewOptions& options, const pipeline::AnalysisContents& analysis,
                                    const fs::path& dir, bool temporary, core::LabelVolume& edit_map,
                                    const std::optional<pipeline::PreviousVisit>& previous) {
  rendering::ViewerInput input;
  input.labels = &analysis.labels;
  for (const auto& [name, image] : analysis.display_series) input.series.push_back({name, &image});
  input.fat_fraction_pct = analysis.fat_fraction_pct ? &*analysis.fat_fraction_pct : nullptr;
  input.edema_mask = analysis.edema_mask ? &*analysis.edema_mask : nullptr;
  input.bone = analysis.bone ? &*analysis.bone : nullptr;
  input.measurements = analysis.measurements;
  input.title = fs::absolute(options.path).lexically_normal().filename().string();
  input.editing = edit_input(dir, temporary, options.reader, edit_map);
  if (previous) input.change = viewer_change(*previous);
  return input;
}

rendering::ViewerOptions viewer_options(const ViewOptions& options) {
  rendering::ViewerOptions view;
  view.metric = *rendering::viewer_metric_from_string(options.metric);
  view.series = options.series;
  view.overlay_opacity = options.opacity;
  view.width_px = options.width;
  view.height_px = options.height;
  view.pick_group = options.pick_group;
  view.pick_side = options.pick_side == "left" ? core::Side::left : core::Side::right;
  view.keys = options.keys;
  view.actions = options.actions;
  view.screenshot_dir = options.screenshot_dir;
  return view;
}

// --screenshot: one frame off-screen; prints the file and what the frame shows (pick, edit status, a save).
int screenshot(const ViewOptions& options, const rendering::ViewerInput& input, const rendering::ViewerOptions& view) {
  const auto frame = rendering::viewer_screenshot(input, options.screenshot, view);
  log::info("view: first frame after {:.2f} s", frame.first_frame_seconds);
  std::cout << options.screenshot.string() << '\n';
  if (!frame.pick_text.empty()) std::cout << frame.pick_text << '\n';
  if (frame.edit_mode) std::cout << frame.edit_text;
  if (!frame.saved_text.empty()) std::cout << frame.saved_text << '\n';
  if (frame.save_error) throw core::MyoError(*frame.save_error);  // a scripted save that failed fails the run
  return core::kExitOk;
}

// Refusals that need no reading of volumes: another patient's or a later previous visit, no display, a change
// metric without --previous.
void check_before_loading(const ViewOptions& options) {
  // Two analyses that are not this patient's previous and current visits are refused before anything else.
  if (!options.previous.empty() && fs::exists(options.path / "report.json"))
    pipeline::check_previous_visit(options.path, options.previous);
  // The display first: without one nothing else is worth doing. A screenshot may use a private Xvfb; the window
  // needs a display someone looks at.
  if (options.screenshot.empty() ? !rendering::display_available() : !rendering::offscreen_display_available())
    throw core::MyoError("DISPLAY", kNoDisplayMessage, core::ErrorKind::no_display);
  if (is_change_metric(options.metric) && options.previous.empty())
    throw core::MyoError("--metric " + options.metric, "needs --previous PREV_OUT (the previous visit's analysis)",
                         core::ErrorKind::usage);
  if (!fs::exists(options.path)) throw core::MyoError(options.path.string(), "does not exist");
}

int run_view(const ViewOptions& options) {
  check_before_loading(options);
  fs::path dir = options.path;
  TemporaryFolder temporary;
  if (!pipeline::AnalysisFolder(dir).has_report()) {
    const auto analysed = analyse_for_viewing(options, temporary);
    if (const auto* exit_code = std::get_if<int>(&analysed)) return *exit_code;
    dir = std::get<fs::path>(analysed);
  }
  const auto analysis = read_analysis(dir);
  std::optional<pipeline::PreviousVisit> previous;
  if (!options.previous.empty()) {
    const pipeline::CurrentMaps maps{analysis.labels.geometry, display_series(analysis, "water"),
                                     analysis.fat_fraction_pct ? &*analysis.fat_fraction_pct : nullptr};
    previous = pipeline::load_previous_visit(dir, options.previous, &maps);
  }
  core::LabelVolume edit_map;
  const auto input = viewer_input(options, analysis, dir, !temporary.path.empty(), edit_map, previous);
  const auto view = viewer_options(options);
  if (!options.screenshot.empty()) return screenshot(options, input, view);
  rendering::run_viewer(input, view);
  return core::kExitOk;
}

void add_view_options(CLI::App& cmd, ViewOptions& options) {
  cmd.add_option("PATH", options.path, "Analysis folder (with report.json) or a DICOM study folder")->required();
  cmd.add_option("-o,--output", options.analysis_output,
                 "When PATH is a DICOM study: keep its analysis in this folder (default: temporary, removed)");
  cmd.add_option("--metric", options.metric,
                 std::string("Initial metric: ") + rendering::kMetricNames +
                     ", labels (groups), or with --previous change_fat, change_edema")
      ->check(CLI::Validator(
          [](const std::string& text) {
            return rendering::viewer_metric_from_string(text)
                       ? std::string()
                       : "unknown metric '" + text + "'; metrics: " + rendering::kMetricNames +
                             ", labels, change_fat, change_edema";
          },
          "METRIC"));
  cmd.add_option("--previous", options.previous,
                 "Analysis folder of the patient's previous visit: adds the change metrics (change_fat, "
                 "change_edema); refused (exit 3) for another patient or a later visit");
  cmd.add_option("--series", options.series, "Initial series: water, t1, stir or fat_fraction");
  cmd.add_option("--opacity", options.opacity, "Overlay opacity 0..1")->check(CLI::Range(0.0, 1.0));
  cmd.add_option("--screenshot", options.screenshot,
                 "Render one frame off-screen into this PNG and exit (no interaction)");
  cmd.add_option("--screenshot-dir", options.screenshot_dir, "Folder of the screenshots saved with the s key");
}

// The options that script the viewer: a pick, keys and mouse actions, the reader, the window size.
void add_script_options(CLI::App& cmd, ViewOptions& options) {
  cmd.add_option("--pick-group", options.pick_group, "Pick this muscle group (as a click on the axial view)");
  cmd.add_option("--pick-side", options.pick_side, "Side of --pick-group: right or left (the patient's)")
      ->check(CLI::IsMember({"right", "left"}));
  cmd.add_option("--keys", options.keys, "Keys pressed before the first frame, comma-separated (e.g. m,n,Up)")
      ->delimiter(',');
  cmd.add_option("--actions", options.actions,
                 "Then keys and mouse actions, comma-separated: click@VIEW:X:Y, drag@VIEW:X0:Y0:X1:Y1 (pixels from "
                 "the view's top-left corner), KEY@VIEW:X:Y; e.g. e,x,click@axial:350:200,z,S")
      ->delimiter(',');
  cmd.add_option("--reader", options.reader, "Reader's name, recorded with every edit of edit mode");
  cmd.add_option("--width", options.width, "Window width in pixels")->check(CLI::Range(400, 8000));
  cmd.add_option("--height", options.height, "Window height in pixels")->check(CLI::Range(300, 8000));
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
  add_view_options(*cmd, *options);
  add_script_options(*cmd, *options);
  return [options]() -> int { return run_view(*options); };
}

}  // namespace myo::app
