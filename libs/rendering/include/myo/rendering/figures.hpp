#pragma once
// Off-screen figures of one study: 3D involvement map, involvement strip along the limb, slice overlays.
// Plain values in, PNG files out. VTK stays inside the library; callers never include a VTK header.
#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "myo/core/volume.hpp"
#include "myo/quantification/quantify.hpp"

namespace myo::rendering {

// Everything on ONE grid (the reference series' geometry); every pointer but `labels` may be null.
// The change of one muscle group and side since the previous visit (pipeline::compare's arithmetic).
struct ViewerGroupChange {
  std::string group;
  core::Side side = core::Side::right;
  std::optional<double> fat_fraction_points;
  std::optional<double> edema_fraction_points;
  bool fat_fraction_beyond_limits = false;  // beyond the repeatability limits: coloured; within: neutral
  bool edema_fraction_beyond_limits = false;
};

// What the change metrics show (`view --previous`, the HTML report's 3D map with `analyze --previous`).
struct ViewerChange {
  std::vector<ViewerGroupChange> groups;
  // Current minus previous voxel fat fraction (points) on the labels' grid, the previous visit registered onto the
  // current one; null when it could not be: the slices then show the per-muscle change.
  const core::ImageVolume* fat_fraction_points = nullptr;
  std::string legend;      // "change since 2026-01-05, 6 months"
  std::string slice_note;  // how the slices show the change, said on screen
  double fat_fraction_range_points = 10;    // colour scale -range..+range
  double edema_fraction_range_points = 30;
};

// The smoothed muscle-group surfaces of one label volume, built once and shared by the 3D maps and the scene export
// given it through FigureInput::surfaces (`analyze` renders the maps on its own thread while the pool writes
// scene.glb). Thread-safe: the first user builds them, a user arriving meanwhile waits for that build, and each gets
// its own copy. A user asking for other smoothing parameters or another label volume builds its own. Opaque: VTK
// stays inside the library.
class SurfaceCache {
 public:
  SurfaceCache();
  ~SurfaceCache();
  SurfaceCache(const SurfaceCache&) = delete;
  SurfaceCache& operator=(const SurfaceCache&) = delete;

  struct State;  // defined inside the library
  [[nodiscard]] State& state() const { return *state_; }

 private:
  std::unique_ptr<State> state_;
};

struct FigureInput {
  const core::LabelVolume* labels = nullptr;                   // catalogue labels
  const core::ImageVolume* anatomy = nullptr;                  // background of the fat overlays (Dixon water or T1)
  const core::ImageVolume* fat_fraction_pct = nullptr;         // PDFF map, 0..100
  const core::ImageVolume* stir = nullptr;                     // background of the edema overlays
  const core::MaskVolume* edema_mask = nullptr;                // 1 = edema
  const core::MaskVolume* bone = nullptr;                      // 1 = bone (femur, pelvis): context in the 3D map
  std::vector<quantification::GroupMeasurement> measurements;  // group means shown on the 3D map (when empty:
                                                               // computed from the FF map / edema mask)
  std::optional<double> crotch_z_mm;                           // LPS z of the crotch: levels are given relative to it
  const ViewerChange* change = nullptr;    // since the previous visit: scene.glb's change colours, may be null
  const SurfaceCache* surfaces = nullptr;  // the label surfaces shared by the 3D maps and scene.glb; null: each builds
                                           // its own
};

// mercuri_grade: the 3D map only (the grade is a group value; no voxel map, strip or slice overlay), on request.
enum class Metric { fat_fraction, edema_fraction, mercuri_grade };
[[nodiscard]] const char* to_string(Metric metric);
// Accepts each metric's name and its short forms (the same in `render --metric` and `view --metric`):
// fat_fraction (fat), edema_fraction (edema), mercuri_grade (grade, mercuri).
[[nodiscard]] std::optional<Metric> metric_from_string(const std::string& text);
inline constexpr const char* kMetricNames = "fat_fraction (fat), edema_fraction (edema), mercuri_grade (grade, mercuri)";

struct FigureParams {
  // Metrics to draw; one set of figures per metric whose data is present (others are skipped with a log line).
  std::vector<Metric> metrics{Metric::fat_fraction, Metric::edema_fraction};
  // Fixed colour ranges, so that figures of different studies and visits compare at a glance. Values above the
  // upper end take its colour (the bar says so with a ">=" tick).
  std::array<double, 2> fat_fraction_range_pct{0.0, 70.0};
  std::array<double, 2> edema_fraction_range_pct{0.0, 100.0};
  int map3d_panel_width_px = 360;  // one panel per view (anterior, posterior, right and left lateral)
  int map3d_panel_height_px = 560;
  int supersampling = 2;                     // 3D panels are rendered at this multiple and box-filtered down
  int smoothing_iterations = 15;             // vtkWindowedSincPolyDataFilter
  std::size_t surface_max_voxels = 3000000;  // larger label boxes are subsampled in-plane for the 3D map (speed)
  double smoothing_pass_band = 0.05;
  bool skin_outline = true;       // faint body outline from the anatomy image (needs `anatomy`)
  bool bone_context = true;       // femur and pelvis as an ivory surface, never coloured by the metric (needs `bone`)
  double slab_mm = 20.0;          // involvement strip: thickness of one level
  int slice_panel_px = 360;       // slice overlays: side of one axial panel
  double overlay_opacity = 0.65;  // heat map over the anatomy
};

// A rectangle of a figure (pixels, origin top-left) that shows one view or slice; lets tests and reports locate it.
struct Panel {
  // map3d: "anterior", "posterior", "right_lateral", "left_lateral"; slices: "axial_hip", "axial_proximal",
  // "axial_mid", "axial_distal", "coronal"; involvement: one row per "<group>_<side>" (e.g. "adductors_right").
  std::string name;
  int x = 0, y = 0, width = 0, height = 0;
};

struct Figure {
  std::string kind;  // "map3d", "involvement", "slices"
  Metric metric = Metric::fat_fraction;
  std::filesystem::path path;
  std::string caption;  // one sentence for a report
  int width_px = 0, height_px = 0;
  std::vector<Panel> panels;
};

// Renders every figure that the inputs allow into out_dir (created if missing), as <kind>_<metric>.png.
// Not thread-safe (VTK/OpenGL): render one study at a time per process.
// Same input -> same bytes; each file is written atomically.
// Without a reachable X display a private Xvfb is started (require_display); throws core::MyoError of kind
// no_display when that is impossible too.
[[nodiscard]] std::vector<Figure> render_study_figures(const FigureInput& input, const std::filesystem::path& out_dir,
                                                       const FigureParams& params = {});

// The three figures one by one (render_study_figures calls these). Return nullopt when the metric's data is missing.
// Only the 3D map needs an X display; the 2D figures are composed in memory and need none.
[[nodiscard]] std::optional<Figure> render_map3d(const FigureInput& input, Metric metric,
                                                 const std::filesystem::path& png, const FigureParams& params = {});
[[nodiscard]] std::optional<Figure> render_involvement_strip(const FigureInput& input, Metric metric,
                                                             const std::filesystem::path& png,
                                                             const FigureParams& params = {});
[[nodiscard]] std::optional<Figure> render_slice_overlays(const FigureInput& input, Metric metric,
                                                          const std::filesystem::path& png,
                                                          const FigureParams& params = {});

// Pixels of a written figure as 8-bit RGB, rows top to bottom (for DICOM secondary captures). Throws MyoError.
struct RgbPixels {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> rgb;
};
[[nodiscard]] RgbPixels read_figure_rgb(const std::filesystem::path& png);

// True when an X display can be opened (DISPLAY set and reachable). Never aborts.
[[nodiscard]] bool display_available();
// For off-screen rendering: true when an X display can be opened, starting a private Xvfb for this process when none
// is reachable and Xvfb is installed ($MYO_XVFB, else PATH; see display.cpp). The server is stopped at exit.
[[nodiscard]] bool offscreen_display_available();
// Throws core::MyoError of kind no_display (subject "DISPLAY") when offscreen_display_available() is false.
void require_display();
// Routes VTK's output window into myo::log (idempotent; every entry point above calls it).
void route_vtk_output();

}  // namespace myo::rendering
