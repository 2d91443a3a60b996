#pragma once
// The interactive viewer of one analysed study: one window, four viewports (3D surfaces of the muscle groups coloured
// by a metric; axial, coronal and sagittal reformats of a series with the label outlines and a metric overlay).
// Built on VTK's own render window and interactor (no GUI toolkit). Needs an X display.
#include <array>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "myo/core/error.hpp"
#include "myo/core/geometry.hpp"
#include "myo/core/volume.hpp"
#include "myo/editing/edit_log.hpp"
#include "myo/editing/edit_session.hpp"
#include "myo/quantification/quantify.hpp"
#include "myo/rendering/figures.hpp"

namespace myo::rendering {

// A series the slice views can show, on the labels' grid.
struct ViewerSeries {
  std::string name;  // "water", "t1", "stir", "fat_fraction", ...
  const core::ImageVolume* image = nullptr;
};

// A label's numbers in one version of the analysis (report.json "single_muscles" or "input_labels").
struct LabelNumbers {
  double volume_ml = 0;
  std::optional<double> fat_fraction_pct;
  std::optional<double> edema_fraction_pct;
};

// The version a save wrote, with its numbers.
struct SavedVersion {
  std::string name;                                            // "corrected-1", ...
  std::map<int, LabelNumbers> labels;                          // per label of the edited map
  std::vector<quantification::GroupMeasurement> measurements;  // per group and side
};

// Edit mode (key e): what it edits and how a save requantifies. Without `labels` the mode is unavailable and the
// viewer says why (`unavailable_reason`).
struct ViewerEditing {
  const core::LabelVolume* labels = nullptr;  // the map an edit log applies to (single muscles or groups), labels' grid
  std::vector<editing::LabelConfidence> confidence;  // per label: the flagged ones are listed first
  std::map<int, LabelNumbers> numbers;               // of the version shown
  std::string reader;                                // stamped on every edit (may be empty)
  // Writes the log beside the analysis and requantifies as `myoscope edit` does; throws core::MyoError on failure.
  std::function<SavedVersion(const editing::EditLog&)> save;
  std::string unavailable_reason;
};

struct ViewerInput {
  const core::LabelVolume* labels = nullptr;                   // catalogue labels (required)
  std::vector<ViewerSeries> series;                            // at least one; all on the labels' grid
  const core::ImageVolume* fat_fraction_pct = nullptr;         // voxel fat fraction map (heat map), may be null
  const core::MaskVolume* edema_mask = nullptr;                // 1 = edema, may be null
  const core::MaskVolume* bone = nullptr;                      // 1 = bone (femur, pelvis): 3D context, may be null
  std::vector<quantification::GroupMeasurement> measurements;  // what the report says per group and side
  std::string title;                                           // window title (no patient identifiers)
  ViewerEditing editing;                                       // edit mode (optional)
  std::optional<ViewerChange> change;                          // since the previous visit, when given
};

// What the overlay and the 3D surfaces show.
// change_fat / change_edema: the change since the previous visit (needs ViewerInput::change).
enum class ViewerMetric { fat_fraction, edema_fraction, grade, labels, change_fat, change_edema };
[[nodiscard]] const char* to_string(ViewerMetric metric);
[[nodiscard]] std::optional<ViewerMetric> viewer_metric_from_string(const std::string& text);

struct ViewerOptions {
  ViewerMetric metric = ViewerMetric::fat_fraction;
  std::string series;            // empty: the metric's own (anatomy for fat, STIR for edema)
  double overlay_opacity = 0.5;  // 0..1
  int width_px = 1400, height_px = 1000;
  // Select a muscle as if the user had clicked it on the axial view (the labelled voxel of the group and side
  // nearest to its centroid): the slices move there and its numbers are shown.
  std::string pick_group;
  core::Side pick_side = core::Side::right;
  // Key presses replayed before the first frame, as typed ("m", "n", "Up", ...): scripts and tests drive the
  // same handlers as the keyboard. "KEY@VIEW" presses it with the mouse over the centre of a viewport (3d, axial,
  // coronal, sagittal), "KEY@VIEW:X:Y" at pixel (X, Y) of it (from its top-left corner).
  std::vector<std::string> keys;
  // Then keys as above and mouse actions, in order: "click@VIEW:X:Y" (left button pressed and released there),
  // "drag@VIEW:X0:Y0:X1:Y1" (pressed at the first pixel, moved to the second, released). Pixels from the viewport's
  // top-left corner, as ViewerPanel.
  std::vector<std::string> actions;
  std::filesystem::path screenshot_dir = ".";  // where the `s` key saves myoscope_view_<n>.png
  FigureParams colours;                        // colour ranges shared with the figures
};

// A rectangle of the window (pixels, origin top-left): "3d", "axial", "coronal", "sagittal".
struct ViewerPanel {
  std::string name;
  int x = 0, y = 0, width = 0, height = 0;
  std::array<std::string, 4> orientation{};     // letters at the left, right, top and bottom edge
  std::optional<std::array<int, 2>> cursor_px;  // where the cursor (crosshair centre) is drawn, window pixels
};

// The state of a rendered frame: what the picture shows, for tests and scripts.
struct ViewerFrame {
  int width_px = 0, height_px = 0;
  std::vector<ViewerPanel> panels;
  ViewerMetric metric = ViewerMetric::fat_fraction;
  std::string series;
  double overlay_opacity = 0;
  core::Vec3 cursor_mm{0, 0, 0};   // LPS
  std::string pick_text;           // the numbers of the picked muscle (empty when nothing is picked)
  bool edit_mode = false;
  std::string edit_text;           // edit mode's status: brush, active label, the review list
  std::string saved_text;          // after a save: the version written and the edited label's new numbers
  std::size_t edit_count = 0;      // edits in effect since the last save
  std::optional<core::Error> save_error;  // a save that failed (the window shows it; a script should stop)
  double first_frame_seconds = 0;  // from the start of set-up to the first rendered frame
};

// Opens the window and runs until the user closes it (q, Escape or the window's close button). Returns the state of
// the last frame. Throws core::MyoError of kind no_display without an X display, or naming the bad input.
ViewerFrame run_viewer(const ViewerInput& input, const ViewerOptions& options = {});

// Builds the same window off-screen, applies the options (metric, series, pick, keys), renders one frame and writes
// it to `png` (atomically). Returns what the frame shows.
ViewerFrame viewer_screenshot(const ViewerInput& input, const std::filesystem::path& png,
                              const ViewerOptions& options = {});

// The keys of the viewer, one "key: action" per line (the help overlay and `myoscope view --help` show them).
[[nodiscard]] std::string viewer_key_help();

}  // namespace myo::rendering
