// The interactive viewer: VTK's render window and interactor, four viewports (3D, axial, coronal, sagittal).
// The slice images are composed on the CPU (series through window/level, metric heat map, label outlines) in LPS
// display planes, radiological convention; VTK only shows them, so what a screenshot shows is what was computed.
#include "myo/rendering/viewer.hpp"

#include <fmt/format.h>
#include <vtkActor.h>
#include <vtkCallbackCommand.h>
#include <vtkCamera.h>
#include <vtkCellArray.h>
#include <vtkCellPicker.h>
#include <vtkCommand.h>
#include <vtkIdList.h>
#include <vtkImageActor.h>
#include <vtkImageData.h>
#include <vtkImageMapper3D.h>
#include <vtkIntArray.h>
#include <vtkInteractorStyleTrackballCamera.h>
#include <vtkLookupTable.h>
#include <vtkNew.h>
#include <vtkObjectFactory.h>
#include <vtkPointData.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkPolyDataMapper.h>
#include <vtkProperty.h>
#include <vtkRenderWindow.h>
#include <vtkRenderWindowInteractor.h>
#include <vtkRenderer.h>
#include <vtkScalarBarActor.h>
#include <vtkSphereSource.h>
#include <vtkTextActor.h>
#include <vtkTextProperty.h>
#include <vtkUnsignedCharArray.h>
#include <vtkVariant.h>
#include <vtkWindowToImageFilter.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>

#include "canvas.hpp"
#include "colormap.hpp"
#include "figures_internal.hpp"
#include "display_internal.hpp"
#include "myo/core/error.hpp"
#include "myo/core/log.hpp"
#include "myo/core/muscle_catalog.hpp"
#include "myo/core/statistics.hpp"
#include "surfaces.hpp"
#include "viewer_edit.hpp"

namespace myo::rendering {
namespace fs = std::filesystem;
using core::Vec3;
using detail::Rgb;

const char* to_string(ViewerMetric metric) {
  switch (metric) {
    case ViewerMetric::fat_fraction:
      return "fat_fraction";
    case ViewerMetric::edema_fraction:
      return "edema_fraction";
    case ViewerMetric::grade:
      return "grade";
    case ViewerMetric::labels:
      return "labels";
    case ViewerMetric::change_fat:
      return "change_fat";
    case ViewerMetric::change_edema:
      return "change_edema";
  }
  return "unknown";
}

std::optional<ViewerMetric> viewer_metric_from_string(const std::string& text) {
  if (text == "labels" || text == "groups") return ViewerMetric::labels;
  if (text == "change_fat") return ViewerMetric::change_fat;
  if (text == "change_edema") return ViewerMetric::change_edema;
  // The figures' metric names, so that `view --metric` and `render --metric` accept the same words.
  const auto metric = metric_from_string(text);
  if (!metric) return std::nullopt;
  switch (*metric) {
    case Metric::fat_fraction: return ViewerMetric::fat_fraction;
    case Metric::edema_fraction: return ViewerMetric::edema_fraction;
    case Metric::mercuri_grade: return ViewerMetric::grade;
  }
  return std::nullopt;
}

std::string viewer_key_help() {
  return std::string("m / M        next / previous metric (fat fraction, edema, Mercuri grade, groups; with --previous\n"
                     "             also the change in fat fraction and in edema since the previous visit)\n"
         "n / N        next / previous series\n"
         "Up / Down    overlay opacity + / -\n"
         "o            label outlines on / off\n"
         "wheel, PgUp/PgDn  scroll the slice under the mouse\n"
         "Ctrl+wheel   zoom the slice view; middle-drag pan\n"
         "right-drag   window (horizontal) and level (vertical) on a slice\n"
         "w / W, l / L window narrower / wider, level lower / higher\n"
         "left click   pick a muscle (3D or slice): its numbers; the slices move there\n"
         "left-drag    rotate (3D); middle-drag pan, wheel zoom (3D)\n"
         "1 2 3 4      3D view: anterior, posterior, right lateral, left lateral\n"
         "r            reset window/level and views\n"
         "s            save a screenshot (PNG)\n"
         "h            this help on / off\n"
         "q, Esc       quit\n") +
         detail::EditMode::key_help();
}

namespace {

constexpr Rgb kEdemaColour{236, 40, 20};
constexpr Rgb kCursorColour{255, 230, 0};
// Mercuri grade 1 (normal) .. 4 (end stage): the figures' categorical colours.
Rgb grade_colour(int grade) { return detail::colormap(Metric::mercuri_grade, (std::clamp(grade, 1, 4) - 0.5) / 4); }

struct Window {
  double low = 0, high = 1;
};

Window robust_window(const core::ImageVolume& image) {
  auto sample = core::sample_values(image.voxels, 300000, [](float v) { return std::isfinite(v) && v > 0; });
  if (sample.empty()) return {};
  Window w{0.0, core::percentile(sample, 0.995)};
  if (!(w.high > w.low)) w.high = w.low + 1;
  return w;
}

std::string letter(const Vec3& v) { return std::string(1, detail::orientation_letter(v[0], v[1], v[2])); }
Vec3 neg(const Vec3& v) { return {-v[0], -v[1], -v[2]}; }

// One slice view: a display plane spanned by two LPS axes (radiological convention), through the cursor.
struct SliceView {
  std::string name;
  int normal_axis = 2;  // LPS axis held fixed by the plane
  Vec3 right{}, up{};   // screen right and up in LPS (axis-aligned)
  double pixel_mm = 1;
  int width = 0, height = 0;
  Vec3 first{};  // LPS of pixel (0, 0) (bottom-left), the normal component is replaced by the cursor's
  vtkNew<vtkRenderer> renderer;
  vtkNew<vtkImageData> image;
  vtkNew<vtkImageActor> actor;
  vtkNew<vtkPolyData> crosshair;
  vtkNew<vtkPolyDataMapper> crosshair_mapper;
  vtkNew<vtkActor> crosshair_actor;
  vtkNew<vtkTextActor> title;
  std::array<vtkNew<vtkTextActor>, 4> letters;  // left, right, top, bottom

  [[nodiscard]] Vec3 point(double u, double v, double normal_mm) const {  // u, v in pixels
    Vec3 p{};
    for (std::size_t a = 0; a < 3; ++a) p[a] = first[a] + right[a] * u * pixel_mm + up[a] * v * pixel_mm;
    p[static_cast<std::size_t>(normal_axis)] = normal_mm;
    return p;
  }
  // How display pixels map to LPS through the renderer's camera (clicks, the brush).
  [[nodiscard]] SliceViewMapping mapping(double normal_mm) const {
    SliceViewMapping m{first, right, up, normal_axis, normal_mm, pixel_mm};
    auto* camera = renderer->GetActiveCamera();
    m.focal_mm = {camera->GetFocalPoint()[0], camera->GetFocalPoint()[1]};
    m.half_height_mm = camera->GetParallelScale();
    double vp[4];
    renderer->GetViewport(vp);
    const int* size = renderer->GetRenderWindow()->GetSize();
    m.viewport_px = {vp[0] * size[0], vp[1] * size[1], (vp[2] - vp[0]) * size[0], (vp[3] - vp[1]) * size[1]};
    return m;
  }
  [[nodiscard]] std::array<double, 2> pixel_of(const Vec3& p) const {  // inverse of point() in the plane
    double u = 0, v = 0;
    for (std::size_t a = 0; a < 3; ++a) {
      u += right[a] * (p[a] - first[a]);
      v += up[a] * (p[a] - first[a]);
    }
    return {u / pixel_mm, v / pixel_mm};
  }
};

class Viewer;

// Mouse and keys: the 3D viewport keeps VTK's trackball camera; the slice viewports scroll, pick and window/level.
class ViewerStyle : public vtkInteractorStyleTrackballCamera {
 public:
  static ViewerStyle* New();
  vtkTypeMacro(ViewerStyle, vtkInteractorStyleTrackballCamera) void SetViewer(Viewer* viewer) { viewer_ = viewer; }

  void OnLeftButtonDown() override;
  void OnLeftButtonUp() override;
  void OnRightButtonDown() override;
  void OnRightButtonUp() override;
  void OnMouseMove() override;
  void OnMouseWheelForward() override;
  void OnMouseWheelBackward() override;
  void OnKeyPress() override;
  void OnChar() override {}  // VTK's default keys (wireframe, stereo, ...) are replaced by ours (OnKeyPress)

 private:
  [[nodiscard]] int slice_view_at(int x, int y);  // index into the viewer's slice views, -1 for the 3D viewport
  Viewer* viewer_ = nullptr;
  std::array<int, 2> press_{0, 0};
  bool left_in_slice_ = false;
  bool left_in_3d_ = false;
  bool window_level_ = false;
  int window_level_view_ = -1;
  std::array<double, 2> window_level_start_{0, 1};
};
vtkStandardNewMacro(ViewerStyle);

class Viewer {
 public:
  Viewer(const ViewerInput& input, const ViewerOptions& options, bool offscreen);

  void refresh();  // recompute what changed and render
  void render();
  ViewerFrame frame() const;
  void write_png(const fs::path& png);
  void start();  // event loop

  // Handlers shared by the mouse, the keyboard and the scripted options.
  void handle_key(const std::string& key, int mouse_x, int mouse_y);
  void click_slice(int view, int display_x, int display_y);
  void click_3d(int display_x, int display_y);
  // Edit mode's mouse: a brush stroke on a slice (press, drag, release) and the brush circle following the mouse.
  [[nodiscard]] bool editing() const { return edit_.active(); }
  void edit_press(int view, int display_x, int display_y);
  void edit_drag(int view, int display_x, int display_y);
  void edit_release() { edit_.release(); }
  void edit_hover(int view, int display_x, int display_y);
  void scroll(int view, int steps);
  void zoom(int view, double factor);
  void pick_group(const std::string& group, core::Side side);
  int slice_view_at(int x, int y) const;
  [[nodiscard]] std::array<int, 2> viewport_centre(const std::string& name) const;  // display pixels
  // Display pixel of pixel (x, y) from the top-left corner of a viewport (as ViewerPanel).
  [[nodiscard]] std::array<int, 2> viewport_pixel(const std::string& name, int x, int y) const;
  [[nodiscard]] std::array<double, 2> window_level() const;  // width, centre of the current series
  void set_window_level(double width, double centre);
  vtkRenderer* renderer_3d() { return renderer3d_; }
  vtkRenderWindowInteractor* interactor() { return interactor_; }

 private:
  void build_3d();
  void build_slice_views();
  void update_slice(SliceView& view);
  void update_surface_colours();
  void update_texts();
  void update_3d_letters();
  void set_cursor(const Vec3& p);
  [[nodiscard]] Vec3 slice_point(int view, int display_x, int display_y) const;
  [[nodiscard]] std::array<SliceViewMapping, 3> mappings() const;
  void apply(const detail::EditMode::Outcome& outcome);
  void pick_label(int label, const Vec3& at);
  void reset_views();
  void set_3d_view(int which);
  [[nodiscard]] bool metric_available(ViewerMetric metric) const;
  [[nodiscard]] Rgb label_colour(int label) const;  // 3D and overlay colour of a group for the current metric
  [[nodiscard]] std::optional<Rgb> group_colour(int label) const;
  [[nodiscard]] const quantification::GroupMeasurement* measurement(int label) const;
  [[nodiscard]] const ViewerGroupChange* change_of(int label) const;
  [[nodiscard]] std::optional<Rgb> change_colour_of(int label) const;
  [[nodiscard]] std::optional<Rgb> voxel_change_colour(const Vec3& p) const;
  [[nodiscard]] std::string change_pick_text(int label) const;
  [[nodiscard]] bool change_metric() const {
    return metric_ == ViewerMetric::change_fat || metric_ == ViewerMetric::change_edema;
  }
  [[nodiscard]] const ViewerSeries& current_series() const { return input_.series[series_index_]; }
  [[nodiscard]] std::size_t default_series(ViewerMetric metric) const;
  void next_metric(int direction);
  void save_screenshot();

  const ViewerInput& input_;
  ViewerOptions options_;
  core::LabelVolume labels_;  // shown (groups); edit mode changes it with the map it edits
  std::vector<quantification::GroupMeasurement> measurements_;  // a save replaces them with the new version's
  detail::EditMode edit_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  double first_frame_seconds_ = 0;

  ViewerMetric metric_ = ViewerMetric::fat_fraction;
  std::size_t series_index_ = 0;
  double opacity_ = 0.5;
  bool outlines_ = true;
  bool help_ = false;
  Vec3 cursor_{0, 0, 0};
  Vec3 extent_low_{}, extent_high_{};  // the volume
  Vec3 labels_low_{}, labels_high_{};  // the labelled voxels
  Vec3 step_mm_{1, 1, 1};
  std::map<std::string, Window> windows_;  // per series
  std::string pick_text_;
  int screenshot_count_ = 0;
  std::map<int, std::array<double, 3>> centroids_;

  vtkNew<vtkRenderWindow> window_;
  vtkNew<vtkRenderWindowInteractor> interactor_;
  vtkNew<ViewerStyle> style_;
  vtkNew<vtkRenderer> renderer3d_;
  detail::LabelSurfaces surfaces_;
  vtkNew<vtkPolyData> coloured_;
  vtkNew<vtkPolyDataMapper> muscle_mapper_;
  vtkNew<vtkActor> muscles_;
  vtkNew<vtkPolyDataMapper> skin_mapper_;
  vtkNew<vtkActor> skin_;
  vtkNew<vtkPolyDataMapper> bone_mapper_;
  vtkNew<vtkActor> bone_;
  vtkNew<vtkSphereSource> cursor_source_;
  vtkNew<vtkPolyDataMapper> cursor_mapper_;
  vtkNew<vtkActor> cursor_actor_;
  vtkNew<vtkCellPicker> picker_;
  vtkNew<vtkLookupTable> lut_;
  vtkNew<vtkScalarBarActor> bar_;
  vtkNew<vtkTextActor> title3d_;
  vtkNew<vtkTextActor> pick_actor_;
  vtkNew<vtkTextActor> help_actor_;
  vtkNew<vtkTextActor> hint_actor_;
  std::array<vtkNew<vtkTextActor>, 4> letters3d_;
  vtkNew<vtkCallbackCommand> letters_callback_;
  std::array<SliceView, 3> views_;
};

void set_text_style(vtkTextActor& actor, int size, const Rgb& colour, bool bold = false) {
  auto* p = actor.GetTextProperty();
  p->SetFontSize(size);
  p->SetColor(colour.r / 255.0, colour.g / 255.0, colour.b / 255.0);
  p->SetBold(bold ? 1 : 0);
  p->SetShadow(1);
  p->SetShadowOffset(1, -1);
  p->SetFontFamilyToArial();
}

// A text actor anchored in normalised viewport coordinates; justification 0 left/bottom, 1 centre, 2 right/top.
void place(vtkTextActor& actor, double x, double y, int h, int v) {
  actor.GetPositionCoordinate()->SetCoordinateSystemToNormalizedViewport();
  actor.GetPositionCoordinate()->SetValue(x, y);
  auto* p = actor.GetTextProperty();
  if (h == 0) p->SetJustificationToLeft();
  if (h == 1) p->SetJustificationToCentered();
  if (h == 2) p->SetJustificationToRight();
  if (v == 0) p->SetVerticalJustificationToBottom();
  if (v == 1) p->SetVerticalJustificationToCentered();
  if (v == 2) p->SetVerticalJustificationToTop();
}

std::string opt_pct(const std::optional<double>& v) { return v ? fmt::format("{:.1f} %", *v) : std::string("n/a"); }

const core::LabelVolume& required_labels(const ViewerInput& input) {
  if (!input.labels) throw core::MyoError("viewer", "no label volume given");
  input.labels->check();
  return *input.labels;
}

Viewer::Viewer(const ViewerInput& input, const ViewerOptions& options, bool offscreen)
    : input_(input), options_(options), labels_(required_labels(input)), measurements_(input.measurements),
      edit_(input.editing, labels_, options.colours.smoothing_iterations, options.colours.smoothing_pass_band) {
  if (input.series.empty()) throw core::MyoError("viewer", "no series to show");
  const auto& grid = input.labels->geometry;
  for (const auto& s : input.series) {
    if (!s.image) throw core::MyoError("viewer", "series '" + s.name + "' has no image");
    if (!s.image->geometry.same_grid(grid))
      throw core::MyoError("viewer", "series '" + s.name + "' is not on the labels' grid (resample it first)");
  }
  if (input.fat_fraction_pct && !input.fat_fraction_pct->geometry.same_grid(grid))
    throw core::MyoError("viewer", "fat fraction map is not on the labels' grid");
  if (input.edema_mask && !input.edema_mask->geometry.same_grid(grid))
    throw core::MyoError("viewer", "edema mask is not on the labels' grid");
  if (input.bone && !input.bone->geometry.same_grid(grid))
    throw core::MyoError("viewer", "bone mask is not on the labels' grid");
  if (input.change && input.change->fat_fraction_points && !input.change->fat_fraction_points->geometry.same_grid(grid))
    throw core::MyoError("viewer", "fat fraction change map is not on the labels' grid");
  route_vtk_output();

  // The volume's extent in LPS and the slice step along each LPS axis (the spacing of the image axis closest to it).
  extent_low_ = {std::numeric_limits<double>::max(), std::numeric_limits<double>::max(),
                 std::numeric_limits<double>::max()};
  extent_high_ = {std::numeric_limits<double>::lowest(), std::numeric_limits<double>::lowest(),
                  std::numeric_limits<double>::lowest()};
  for (int corner = 0; corner < 8; ++corner) {
    Vec3 index{};
    for (std::size_t a = 0; a < 3; ++a) index[a] = ((corner >> a) & 1) ? static_cast<double>(grid.size[a]) - 0.5 : -0.5;
    const auto p = grid.index_to_physical(index);
    for (std::size_t a = 0; a < 3; ++a) {
      extent_low_[a] = std::min(extent_low_[a], p[a]);
      extent_high_[a] = std::max(extent_high_[a], p[a]);
    }
  }
  for (std::size_t a = 0; a < 3; ++a) {
    std::size_t best = 0;
    for (std::size_t j = 1; j < 3; ++j)
      if (std::abs(grid.axis(static_cast<int>(j))[a]) > std::abs(grid.axis(static_cast<int>(best))[a])) best = j;
    step_mm_[a] = grid.spacing_mm[best];
  }

  // Centroids of the labels (picking by name, the initial cursor) and their box (the initial framing).
  labels_low_ = extent_high_;
  labels_high_ = extent_low_;
  {
    std::map<int, std::array<double, 4>> sums;
    std::size_t index = 0;
    for (std::size_t k = 0; k < grid.size[2]; ++k)
      for (std::size_t j = 0; j < grid.size[1]; ++j)
        for (std::size_t i = 0; i < grid.size[0]; ++i, ++index) {
          const int l = labels_.voxels[index];
          if (l == 0) continue;
          const auto p =
              grid.index_to_physical({static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)});
          for (std::size_t a = 0; a < 3; ++a) {
            labels_low_[a] = std::min(labels_low_[a], p[a]);
            labels_high_[a] = std::max(labels_high_[a], p[a]);
          }
          auto& s = sums[l];
          s[0] += p[0];
          s[1] += p[1];
          s[2] += p[2];
          s[3] += 1;
        }
    std::array<double, 4> all{0, 0, 0, 0};
    for (const auto& [l, s] : sums) {
      centroids_[l] = {s[0] / s[3], s[1] / s[3], s[2] / s[3]};
      for (std::size_t a = 0; a < 4; ++a) all[a] += s[a];
    }
    cursor_ = all[3] > 0 ? Vec3{all[0] / all[3], all[1] / all[3], all[2] / all[3]}
                         : Vec3{(extent_low_[0] + extent_high_[0]) / 2, (extent_low_[1] + extent_high_[1]) / 2,
                                (extent_low_[2] + extent_high_[2]) / 2};
  }

  metric_ = options.metric;
  if (!metric_available(metric_)) {
    log::warn("viewer: the analysis has no {}; showing the muscle groups", to_string(metric_));
    metric_ = ViewerMetric::labels;
  }
  series_index_ = default_series(metric_);
  if (!options.series.empty()) {
    const auto it = std::find_if(input.series.begin(), input.series.end(),
                                 [&](const ViewerSeries& s) { return s.name == options.series; });
    if (it == input.series.end()) {
      std::string names;
      for (const auto& s : input.series) names += (names.empty() ? "" : ", ") + s.name;
      throw core::MyoError("--series " + options.series, "no such series in the analysis (available: " + names + ")");
    }
    series_index_ = static_cast<std::size_t>(it - input.series.begin());
  }
  opacity_ = std::clamp(options.overlay_opacity, 0.0, 1.0);
  for (const auto& s : input.series)
    windows_[s.name] = s.name == "fat_fraction" ? Window{0, 100} : robust_window(*s.image);

  window_->SetMultiSamples(0);
  int width = options.width_px, height = options.height_px;
  if (!offscreen) {  // an interactive window fits the screen
    if (const auto screen = detail::screen_size_px()) {
      const double fit = std::min({1.0, 0.92 * (*screen)[0] / width, 0.88 * (*screen)[1] / height});
      width = static_cast<int>(width * fit);
      height = static_cast<int>(height * fit);
    }
  }
  window_->SetSize(width, height);
  window_->SetWindowName(("MyoScope \u2014 " + input.title).c_str());
  if (offscreen) window_->SetOffScreenRendering(1);
  build_3d();
  build_slice_views();
  edit_.attach(*renderer3d_, {views_[0].renderer, views_[1].renderer, views_[2].renderer});
  interactor_->SetRenderWindow(window_);
  style_->SetViewer(this);
  style_->SetDefaultRenderer(renderer3d_);
  interactor_->SetInteractorStyle(style_);
}

bool Viewer::metric_available(ViewerMetric metric) const {
  switch (metric) {
    case ViewerMetric::fat_fraction:
      return input_.fat_fraction_pct || std::any_of(measurements_.begin(), measurements_.end(),
                                                    [](const auto& m) { return m.fat_fraction_pct.has_value(); });
    case ViewerMetric::edema_fraction:
      return input_.edema_mask || std::any_of(measurements_.begin(), measurements_.end(),
                                              [](const auto& m) { return m.edema_fraction_pct.has_value(); });
    case ViewerMetric::grade:
      return std::any_of(measurements_.begin(), measurements_.end(),
                         [](const auto& m) { return m.mercuri_grade.has_value(); });
    case ViewerMetric::labels:
      return true;
    case ViewerMetric::change_fat:
    case ViewerMetric::change_edema:
      return input_.change.has_value();
  }
  return false;
}

std::size_t Viewer::default_series(ViewerMetric metric) const {
  const auto find = [&](std::initializer_list<const char*> names) -> std::optional<std::size_t> {
    for (const char* name : names)
      for (std::size_t i = 0; i < input_.series.size(); ++i)
        if (input_.series[i].name == name) return i;
    return std::nullopt;
  };
  const auto chosen =
      metric == ViewerMetric::edema_fraction || metric == ViewerMetric::change_edema ? find({"stir", "water", "t1"})
                                                                                     : find({"water", "t1", "stir"});
  return chosen.value_or(0);
}

const quantification::GroupMeasurement* Viewer::measurement(int label) const {
  const auto& catalog = core::MuscleCatalog::instance();
  for (const auto& m : measurements_) {
    int l = m.label;
    if (l == 0)
      if (const auto* g = catalog.find(m.group)) l = g->label(m.side);
    if (l == label) return &m;
  }
  return nullptr;
}

const ViewerGroupChange* Viewer::change_of(int label) const {
  if (!input_.change) return nullptr;
  const auto gs = core::MuscleCatalog::instance().from_label(label);
  if (!gs) return nullptr;
  for (const auto& g : input_.change->groups)
    if (g.group == gs->group->name && g.side == gs->side) return &g;
  return nullptr;
}

// A group's change for the current change metric: neutral within the repeatability limits; none when unknown.
std::optional<Rgb> Viewer::change_colour_of(int label) const {
  const auto* g = change_of(label);
  if (!g) return std::nullopt;
  const bool fat = metric_ == ViewerMetric::change_fat;
  const auto& value = fat ? g->fat_fraction_points : g->edema_fraction_points;
  if (!value) return std::nullopt;
  return detail::change_colour(*value,
                               fat ? input_.change->fat_fraction_range_points
                                   : input_.change->edema_fraction_range_points,
                               fat ? g->fat_fraction_beyond_limits : g->edema_fraction_beyond_limits);
}

// The voxel difference map of fat fraction at `p`, when there is one (none: the per-muscle change is painted).
std::optional<Rgb> Viewer::voxel_change_colour(const Vec3& p) const {
  const auto* map = input_.change ? input_.change->fat_fraction_points : nullptr;
  if (!map) return std::nullopt;
  const auto d = detail::sample_nearest(*map, p);
  if (!d || !std::isfinite(*d)) return std::nullopt;
  return detail::diverging(*d / input_.change->fat_fraction_range_points);
}

std::string Viewer::change_pick_text(int label) const {
  const auto* g = change_of(label);
  if (!g) return {};
  const auto one = [](const char* name, const std::optional<double>& v, bool beyond) {
    if (!v) return fmt::format("{} n/a", name);
    return fmt::format("{} {:+.1f} points{}", name, *v, beyond ? " (beyond repeatability)" : "");
  };
  return "\n" + input_.change->legend + ": " + one("fat fraction", g->fat_fraction_points, g->fat_fraction_beyond_limits) +
         ", " + one("edema", g->edema_fraction_points, g->edema_fraction_beyond_limits);
}

// The colour of a group for the current metric: value colour, grade colour or catalogue colour; none when unmeasured.
std::optional<Rgb> Viewer::group_colour(int label) const {
  const auto* m = measurement(label);
  const auto& fp = options_.colours;
  switch (metric_) {
    case ViewerMetric::fat_fraction: {
      if (!m || !m->fat_fraction_pct) return std::nullopt;
      const auto info = detail::metric_info(Metric::fat_fraction, fp);
      return detail::metric_color(Metric::fat_fraction, info, *m->fat_fraction_pct);
    }
    case ViewerMetric::edema_fraction: {
      if (!m || !m->edema_fraction_pct) return std::nullopt;
      const auto info = detail::metric_info(Metric::edema_fraction, fp);
      return detail::metric_color(Metric::edema_fraction, info, *m->edema_fraction_pct);
    }
    case ViewerMetric::grade:
      if (!m || !m->mercuri_grade) return std::nullopt;
      return grade_colour(*m->mercuri_grade);
    case ViewerMetric::labels: {
      const auto gs = core::MuscleCatalog::instance().from_label(label);
      if (!gs) return std::nullopt;
      const auto& c = gs->group->color_rgb;
      return Rgb{static_cast<std::uint8_t>(c[0]), static_cast<std::uint8_t>(c[1]), static_cast<std::uint8_t>(c[2])};
    }
    case ViewerMetric::change_fat:
    case ViewerMetric::change_edema:
      return change_colour_of(label);
  }
  return std::nullopt;
}

Rgb Viewer::label_colour(int label) const { return group_colour(label).value_or(detail::kNoData); }

void Viewer::build_3d() {
  renderer3d_->SetViewport(0.0, 0.5, 0.5, 1.0);
  renderer3d_->SetBackground(0.09, 0.09, 0.11);
  window_->AddRenderer(renderer3d_);
  surfaces_ = detail::build_label_surfaces(labels_, options_.colours.smoothing_iterations,
                                           options_.colours.smoothing_pass_band, options_.colours.surface_max_voxels);
  coloured_->ShallowCopy(surfaces_.mesh);
  muscle_mapper_->SetInputData(coloured_);
  muscle_mapper_->ScalarVisibilityOn();
  muscle_mapper_->SetScalarModeToUsePointFieldData();
  muscle_mapper_->SelectColorArray("rgb");
  muscle_mapper_->SetColorModeToDirectScalars();
  muscles_->SetMapper(muscle_mapper_);
  muscles_->GetProperty()->SetAmbient(0.25);
  muscles_->GetProperty()->SetDiffuse(0.75);
  muscles_->GetProperty()->SetSpecular(0.12);
  muscles_->GetProperty()->SetSpecularPower(25);
  renderer3d_->AddActor(muscles_);

  // Femur and pelvis: ivory context among the muscles, never coloured by the metric and never picked.
  if (input_.bone && options_.colours.bone_context) {
    if (auto bone = detail::build_bone_surface(*input_.bone, labels_.geometry,
                                               options_.colours.smoothing_iterations,
                                               options_.colours.smoothing_pass_band,
                                               options_.colours.surface_max_voxels)) {
      bone_mapper_->SetInputData(bone);
      bone_mapper_->ScalarVisibilityOff();
      bone_->SetMapper(bone_mapper_);
      bone_->GetProperty()->SetColor(detail::kBoneColour[0], detail::kBoneColour[1], detail::kBoneColour[2]);
      bone_->GetProperty()->SetAmbient(0.3);
      bone_->GetProperty()->SetDiffuse(0.7);
      bone_->GetProperty()->SetSpecular(0.05);
      bone_->PickableOff();
      renderer3d_->AddActor(bone_);
    }
  }

  // Skin, faint: from an anatomical series (water or T1), else the first one.
  const core::ImageVolume* anatomy = input_.series.front().image;
  for (const auto& s : input_.series)
    if (s.name == "water" || s.name == "t1") {
      anatomy = s.image;
      break;
    }
  if (options_.colours.skin_outline) {
    if (auto skin = detail::build_skin_surface(*anatomy); skin && skin->GetNumberOfPoints() > 0) {
      skin_mapper_->SetInputData(skin);
      skin_mapper_->ScalarVisibilityOff();
      skin_->SetMapper(skin_mapper_);
      skin_->GetProperty()->SetColor(0.85, 0.85, 0.9);
      skin_->GetProperty()->SetOpacity(0.08);
      skin_->PickableOff();
      renderer3d_->AddActor(skin_);
    }
  }
  cursor_source_->SetRadius(std::max(3.0, 2 * *std::max_element(step_mm_.begin(), step_mm_.end()) / 3));
  cursor_source_->SetThetaResolution(16);
  cursor_source_->SetPhiResolution(12);
  cursor_mapper_->SetInputConnection(cursor_source_->GetOutputPort());
  cursor_actor_->SetMapper(cursor_mapper_);
  cursor_actor_->GetProperty()->SetColor(kCursorColour.r / 255.0, kCursorColour.g / 255.0, kCursorColour.b / 255.0);
  cursor_actor_->PickableOff();
  renderer3d_->AddActor(cursor_actor_);
  picker_->SetTolerance(0.0005);
  picker_->PickFromListOn();
  picker_->AddPickList(muscles_);

  bar_->SetLookupTable(lut_);
  bar_->SetNumberOfLabels(5);
  bar_->SetMaximumWidthInPixels(90);
  bar_->SetBarRatio(0.25);
  bar_->GetPositionCoordinate()->SetCoordinateSystemToNormalizedViewport();
  bar_->GetPositionCoordinate()->SetValue(0.84, 0.2);
  bar_->SetWidth(0.15);
  bar_->SetHeight(0.55);
  bar_->UnconstrainedFontSizeOn();
  bar_->GetTitleTextProperty()->SetFontSize(13);
  bar_->GetLabelTextProperty()->SetFontSize(12);
  bar_->GetTitleTextProperty()->SetColor(1, 1, 1);
  bar_->GetLabelTextProperty()->SetColor(1, 1, 1);
  bar_->GetTitleTextProperty()->ShadowOff();
  bar_->GetLabelTextProperty()->ShadowOff();
  bar_->GetAnnotationTextProperty()->SetColor(1, 1, 1);
  bar_->GetAnnotationTextProperty()->SetFontSize(12);
  bar_->GetTitleTextProperty()->BoldOff();
  bar_->GetTitleTextProperty()->ItalicOff();
  bar_->GetLabelTextProperty()->ItalicOff();
  bar_->GetAnnotationTextProperty()->ItalicOff();
  renderer3d_->AddViewProp(bar_);

  set_text_style(*title3d_, 15, {255, 255, 255}, true);
  place(*title3d_, 0.01, 0.985, 0, 2);
  renderer3d_->AddViewProp(title3d_);
  set_text_style(*pick_actor_, 13, {255, 255, 210});
  pick_actor_->GetTextProperty()->SetBackgroundColor(0, 0, 0);
  pick_actor_->GetTextProperty()->SetBackgroundOpacity(0.65);
  pick_actor_->GetTextProperty()->ShadowOff();
  place(*pick_actor_, 0.01, 0.015, 0, 0);
  renderer3d_->AddViewProp(pick_actor_);
  set_text_style(*hint_actor_, 12, {170, 170, 170});
  place(*hint_actor_, 0.99, 0.985, 2, 2);
  hint_actor_->SetInput("h: help   s: screenshot");
  renderer3d_->AddViewProp(hint_actor_);
  set_text_style(*help_actor_, 13, {255, 255, 255});
  help_actor_->GetTextProperty()->SetFontFamilyToCourier();
  help_actor_->GetTextProperty()->SetBackgroundColor(0, 0, 0);
  help_actor_->GetTextProperty()->SetBackgroundOpacity(0.8);
  place(*help_actor_, 0.03, 0.5, 0, 1);
  help_actor_->SetInput(viewer_key_help().c_str());
  help_actor_->SetVisibility(0);
  renderer3d_->AddViewProp(help_actor_);
  for (auto& l : letters3d_) {
    set_text_style(*l, 18, {235, 235, 235}, true);
    renderer3d_->AddViewProp(l);
  }
  place(*letters3d_[0], 0.01, 0.5, 0, 1);
  place(*letters3d_[1], 0.84, 0.5, 2, 1);
  place(*letters3d_[2], 0.5, 0.93, 1, 2);
  place(*letters3d_[3], 0.5, 0.07, 1, 0);
  letters_callback_->SetClientData(this);
  letters_callback_->SetCallback(
      [](vtkObject*, unsigned long, void* client, void*) { static_cast<Viewer*>(client)->update_3d_letters(); });
  renderer3d_->AddObserver(vtkCommand::StartEvent, letters_callback_);
  set_3d_view(0);
}

void Viewer::set_3d_view(int which) {
  // LPS: the anterior view looks from -y towards +y with +z up: the patient's right is on the viewer's left.
  static constexpr std::array<Vec3, 4> kDop{{{0, 1, 0}, {0, -1, 0}, {1, 0, 0}, {-1, 0, 0}}};
  double b[6];
  surfaces_.mesh->GetBounds(b);
  if (surfaces_.mesh->GetNumberOfPoints() == 0)
    for (std::size_t a = 0; a < 3; ++a) {
      b[2 * a] = extent_low_[a];
      b[2 * a + 1] = extent_high_[a];
    }
  const Vec3 centre{(b[0] + b[1]) / 2, (b[2] + b[3]) / 2, (b[4] + b[5]) / 2};
  const Vec3 extent{b[1] - b[0], b[3] - b[2], b[5] - b[4]};
  const double size = std::max({extent[0], extent[1], extent[2]});
  const auto& dop = kDop[static_cast<std::size_t>(std::clamp(which, 0, 3))];
  auto* camera = renderer3d_->GetActiveCamera();
  // Orthographic, as the figures: sizes compare across the image. Fit the box with room for the colour bar.
  camera->ParallelProjectionOn();
  camera->SetFocalPoint(centre.data());
  camera->SetPosition(centre[0] - dop[0] * 3 * size, centre[1] - dop[1] * 3 * size, centre[2] - dop[2] * 3 * size);
  camera->SetViewUp(0, 0, 1);
  const int* window = window_->GetSize();
  const double aspect = 0.75 * window[0] / std::max(1, window[1]);  // the 3D viewport, less the colour bar
  const double across = std::abs(dop[0]) > 0.5 ? extent[1] : extent[0];
  camera->SetParallelScale(std::max(extent[2] / 2, across / 2 / aspect) * 1.12);
  renderer3d_->ResetCameraClippingRange();
}

void Viewer::update_3d_letters() {
  auto* camera = renderer3d_->GetActiveCamera();
  double dop[3], up[3];
  camera->GetDirectionOfProjection(dop);
  camera->GetViewUp(up);
  const Vec3 u{up[0], up[1], up[2]};
  const Vec3 right = core::cross({dop[0], dop[1], dop[2]}, u);
  letters3d_[0]->SetInput(letter(neg(right)).c_str());
  letters3d_[1]->SetInput(letter(right).c_str());
  letters3d_[2]->SetInput(letter(u).c_str());
  letters3d_[3]->SetInput(letter(neg(u)).c_str());
}

void Viewer::build_slice_views() {
  // Radiological convention: axial with the patient's right on the image left and anterior up; coronal with the
  // patient's right on the left and superior up; sagittal with anterior on the left and superior up.
  struct Spec {
    const char* name;
    int normal;
    Vec3 right, up;
    std::array<double, 4> viewport;
  };
  const std::array<Spec, 3> specs{{{"axial", 2, {1, 0, 0}, {0, -1, 0}, {0.5, 0.5, 1.0, 1.0}},
                                   {"coronal", 1, {1, 0, 0}, {0, 0, 1}, {0.0, 0.0, 0.5, 0.5}},
                                   {"sagittal", 0, {0, 1, 0}, {0, 0, 1}, {0.5, 0.0, 1.0, 0.5}}}};
  const double min_step = *std::min_element(step_mm_.begin(), step_mm_.end());
  for (std::size_t v = 0; v < 3; ++v) {
    auto& view = views_[v];
    const auto& spec = specs[v];
    view.name = spec.name;
    view.normal_axis = spec.normal;
    view.right = spec.right;
    view.up = spec.up;
    const auto axis_of = [](const Vec3& d) {
      return static_cast<std::size_t>(std::abs(d[0]) > 0.5 ? 0 : std::abs(d[1]) > 0.5 ? 1 : 2);
    };
    const std::size_t ar = axis_of(view.right), au = axis_of(view.up);
    const double span_r = extent_high_[ar] - extent_low_[ar], span_u = extent_high_[au] - extent_low_[au];
    view.pixel_mm = std::max({min_step, span_r / 1024.0, span_u / 1024.0});
    view.width = std::max(1, static_cast<int>(std::lround(span_r / view.pixel_mm)));
    view.height = std::max(1, static_cast<int>(std::lround(span_u / view.pixel_mm)));
    view.first = {0, 0, 0};
    view.first[ar] = (view.right[ar] > 0 ? extent_low_[ar] : extent_high_[ar]) + view.right[ar] * view.pixel_mm / 2;
    view.first[au] = (view.up[au] > 0 ? extent_low_[au] : extent_high_[au]) + view.up[au] * view.pixel_mm / 2;

    view.renderer->SetViewport(spec.viewport[0], spec.viewport[1], spec.viewport[2], spec.viewport[3]);
    view.renderer->SetBackground(0, 0, 0);
    window_->AddRenderer(view.renderer);
    view.image->SetDimensions(view.width, view.height, 1);
    view.image->SetSpacing(view.pixel_mm, view.pixel_mm, 1);
    view.image->SetOrigin(0, 0, 0);
    view.image->AllocateScalars(VTK_UNSIGNED_CHAR, 3);
    view.actor->GetMapper()->SetInputData(view.image);
    view.actor->InterpolateOff();
    view.renderer->AddViewProp(view.actor);
    view.crosshair_mapper->SetInputData(view.crosshair);
    view.crosshair_actor->SetMapper(view.crosshair_mapper);
    view.crosshair_actor->GetProperty()->SetColor(kCursorColour.r / 255.0, kCursorColour.g / 255.0,
                                                  kCursorColour.b / 255.0);
    view.crosshair_actor->GetProperty()->SetLineWidth(1.5);
    view.crosshair_actor->PickableOff();
    view.renderer->AddViewProp(view.crosshair_actor);
    set_text_style(*view.title, 14, {255, 255, 255}, true);
    place(*view.title, 0.01, 0.985, 0, 2);
    view.renderer->AddViewProp(view.title);
    const std::array<std::string, 4> letters{letter(neg(view.right)), letter(view.right), letter(view.up),
                                             letter(neg(view.up))};
    for (std::size_t i = 0; i < 4; ++i) {
      set_text_style(*view.letters[i], 18, {255, 255, 255}, true);
      view.letters[i]->SetInput(letters[i].c_str());
      view.renderer->AddViewProp(view.letters[i]);
    }
    place(*view.letters[0], 0.012, 0.5, 0, 1);
    place(*view.letters[1], 0.988, 0.5, 2, 1);
    place(*view.letters[2], 0.5, 0.93, 1, 2);
    place(*view.letters[3], 0.5, 0.012, 1, 0);
    auto* camera = view.renderer->GetActiveCamera();
    camera->ParallelProjectionOn();
  }
  reset_views();
}

void Viewer::reset_views() {
  // Frame the labelled muscles with a margin for the subcutaneous fat and skin (the whole volume without labels).
  Vec3 low = extent_low_, high = extent_high_;
  if (labels_low_[0] <= labels_high_[0]) {
    const double margin =
        std::max(30.0, 0.15 * std::max(labels_high_[0] - labels_low_[0], labels_high_[1] - labels_low_[1]));
    for (std::size_t a = 0; a < 3; ++a) {
      low[a] = std::max(extent_low_[a], labels_low_[a] - margin);
      high[a] = std::min(extent_high_[a], labels_high_[a] + margin);
    }
  }
  const double aspect = (window_->GetSize()[0] * 0.5) / std::max(1.0, window_->GetSize()[1] * 0.5);
  for (auto& view : views_) {
    std::array<double, 2> u{std::numeric_limits<double>::max(), std::numeric_limits<double>::lowest()};
    std::array<double, 2> v = u;
    for (int corner = 0; corner < 8; ++corner) {
      const Vec3 p{(corner & 1) ? high[0] : low[0], (corner & 2) ? high[1] : low[1], (corner & 4) ? high[2] : low[2]};
      const auto px = view.pixel_of(p);
      u = {std::min(u[0], px[0]), std::max(u[1], px[0])};
      v = {std::min(v[0], px[1]), std::max(v[1], px[1])};
    }
    const double w = (u[1] - u[0]) * view.pixel_mm, h = (v[1] - v[0]) * view.pixel_mm;
    const double cx = (u[0] + u[1]) / 2 * view.pixel_mm, cy = (v[0] + v[1]) / 2 * view.pixel_mm;
    auto* camera = view.renderer->GetActiveCamera();
    camera->SetFocalPoint(cx, cy, 0);
    camera->SetPosition(cx, cy, 1000);
    camera->SetViewUp(0, 1, 0);
    camera->SetParallelScale(std::max(h / 2, w / 2 / aspect) * 1.1);  // room for the letters and the title
    view.renderer->ResetCameraClippingRange();
  }
  set_3d_view(0);
}

void Viewer::zoom(int view_index, double factor) {
  views_[static_cast<std::size_t>(view_index)].renderer->GetActiveCamera()->Zoom(factor);
  render();
}

void Viewer::update_slice(SliceView& view) {
  const auto& catalog = core::MuscleCatalog::instance();
  const auto& series = *current_series().image;
  const Window w = windows_[current_series().name];
  const double normal = cursor_[static_cast<std::size_t>(view.normal_axis)];
  const auto fat_info = detail::metric_info(Metric::fat_fraction, options_.colours);
  std::map<int, std::optional<Rgb>> group_colours;  // grade / labels overlays
  for (const auto& [l, c] : centroids_) group_colours[l] = group_colour(l);
  std::vector<int> labels(static_cast<std::size_t>(view.width) * static_cast<std::size_t>(view.height), 0);
  auto* rgb = static_cast<unsigned char*>(view.image->GetScalarPointer());
  for (int v = 0; v < view.height; ++v)
    for (int u = 0; u < view.width; ++u) {
      const Vec3 p = view.point(u, v, normal);
      const std::size_t index =
          static_cast<std::size_t>(v) * static_cast<std::size_t>(view.width) + static_cast<std::size_t>(u);
      const auto l = detail::sample_nearest(labels_, p);
      const int label = l ? *l : 0;
      labels[index] = label;
      const auto bg = detail::sample_linear(series, p);
      const double t = bg ? std::clamp((*bg - w.low) / std::max(1e-6, w.high - w.low), 0.0, 1.0) : 0.0;
      const auto grey = static_cast<std::uint8_t>(std::lround(t * 255));
      Rgb c{grey, grey, grey};
      if (label > 0 && opacity_ > 0) {
        switch (metric_) {
          case ViewerMetric::fat_fraction:
            if (input_.fat_fraction_pct) {
              const auto ff = detail::sample_nearest(*input_.fat_fraction_pct, p);
              if (ff && std::isfinite(*ff))
                c = detail::mix(c, detail::metric_color(Metric::fat_fraction, fat_info, *ff), opacity_);
            }
            break;
          case ViewerMetric::edema_fraction:
            if (input_.edema_mask) {
              const auto e = detail::sample_nearest(*input_.edema_mask, p);
              if (e && *e) c = detail::mix(c, kEdemaColour, opacity_);
            }
            break;
          case ViewerMetric::change_fat:
            if (input_.change->fat_fraction_points) {
              if (const auto vc = voxel_change_colour(p)) c = detail::mix(c, *vc, opacity_);
              break;
            }
            [[fallthrough]];  // no registered map: the per-muscle change
          case ViewerMetric::change_edema:
          case ViewerMetric::grade:
          case ViewerMetric::labels:
            if (const auto& gc = group_colours[label]) c = detail::mix(c, *gc, opacity_);
            break;
        }
      }
      rgb[3 * index] = c.r;
      rgb[3 * index + 1] = c.g;
      rgb[3 * index + 2] = c.b;
    }
  if (outlines_) {
    const auto at = [&](int u, int v) {
      if (u < 0 || v < 0 || u >= view.width || v >= view.height) return 0;
      return labels[static_cast<std::size_t>(v) * static_cast<std::size_t>(view.width) + static_cast<std::size_t>(u)];
    };
    for (int v = 0; v < view.height; ++v)
      for (int u = 0; u < view.width; ++u) {
        const int l = at(u, v);
        if (l == 0 || (at(u - 1, v) == l && at(u + 1, v) == l && at(u, v - 1) == l && at(u, v + 1) == l)) continue;
        const auto gs = catalog.from_label(l);
        const auto& c = gs ? gs->group->color_rgb : std::array<int, 3>{255, 255, 255};
        const std::size_t index =
            static_cast<std::size_t>(v) * static_cast<std::size_t>(view.width) + static_cast<std::size_t>(u);
        for (std::size_t ch = 0; ch < 3; ++ch) rgb[3 * index + ch] = static_cast<unsigned char>(c[ch]);
      }
  }
  view.image->Modified();

  // Crosshair with a gap at the cursor, so that the picked tissue stays visible.
  const auto px = view.pixel_of(cursor_);
  const double x = px[0] * view.pixel_mm, y = px[1] * view.pixel_mm;
  const double gap = 8 * view.pixel_mm, x1 = view.width * view.pixel_mm, y1 = view.height * view.pixel_mm;
  vtkNew<vtkPoints> points;
  vtkNew<vtkCellArray> lines;
  const auto segment = [&](double ax, double ay, double bx, double by) {
    const vtkIdType a = points->InsertNextPoint(ax, ay, 0.5), b = points->InsertNextPoint(bx, by, 0.5);
    const vtkIdType ids[2]{a, b};
    lines->InsertNextCell(2, ids);
  };
  segment(0, y, std::max(0.0, x - gap), y);
  segment(std::min(x1, x + gap), y, x1, y);
  segment(x, 0, x, std::max(0.0, y - gap));
  segment(x, std::min(y1, y + gap), x, y1);
  view.crosshair->SetPoints(points);
  view.crosshair->SetLines(lines);
  view.crosshair->Modified();

  const char axis = "xyz"[view.normal_axis];
  const auto wl = window_level();
  std::string title = fmt::format("{}  {} = {:.1f} mm   {}  W {:.0f} L {:.0f}",
                                  view.name == "axial"     ? "Axial"
                                  : view.name == "coronal" ? "Coronal"
                                                           : "Sagittal",
                                  axis, normal, current_series().name, wl[0], wl[1]);
  view.title->SetInput(title.c_str());
}

void Viewer::update_surface_colours() {
  vtkNew<vtkUnsignedCharArray> rgb;
  rgb->SetName("rgb");
  rgb->SetNumberOfComponents(3);
  auto* labels = vtkIntArray::SafeDownCast(surfaces_.mesh->GetPointData()->GetArray("label"));
  const vtkIdType n = surfaces_.mesh->GetNumberOfPoints();
  rgb->SetNumberOfTuples(n);
  std::map<int, Rgb> cache;
  for (vtkIdType p = 0; p < n; ++p) {
    const int l = labels ? labels->GetValue(p) : 0;
    auto it = cache.find(l);
    if (it == cache.end()) it = cache.emplace(l, label_colour(l)).first;
    const std::array<unsigned char, 3> c{it->second.r, it->second.g, it->second.b};
    rgb->SetTypedTuple(p, c.data());
  }
  coloured_->GetPointData()->AddArray(rgb);
  coloured_->Modified();

  // Colour bar of the metric.
  place(*letters3d_[1], 0.82, 0.5, 2, 1);
  lut_->ResetAnnotations();
  bar_->SetVisibility(1);
  bar_->DrawAnnotationsOff();
  if (metric_ == ViewerMetric::fat_fraction || metric_ == ViewerMetric::edema_fraction) {
    const Metric m = metric_ == ViewerMetric::fat_fraction ? Metric::fat_fraction : Metric::edema_fraction;
    const auto info = detail::metric_info(m, options_.colours);
    lut_->IndexedLookupOff();
    lut_->SetNumberOfTableValues(256);
    lut_->SetTableRange(info.low, info.high);
    for (int i = 0; i < 256; ++i) {
      const Rgb c = detail::colormap(m, i / 255.0);
      lut_->SetTableValue(i, c.r / 255.0, c.g / 255.0, c.b / 255.0, 1.0);
    }
    bar_->SetNumberOfLabels(5);
    bar_->SetLabelFormat("%.0f");
    bar_->SetTitle(m == Metric::fat_fraction ? "Fat fraction\n(%, group\nmean)" : "Edema\n(% of group\nvolume)");
  } else if (change_metric()) {
    const double range = metric_ == ViewerMetric::change_fat ? input_.change->fat_fraction_range_points
                                                             : input_.change->edema_fraction_range_points;
    lut_->IndexedLookupOff();
    lut_->SetNumberOfTableValues(256);
    lut_->SetTableRange(-range, range);
    for (int i = 0; i < 256; ++i) {
      const Rgb c = detail::diverging(i / 127.5 - 1);
      lut_->SetTableValue(i, c.r / 255.0, c.g / 255.0, c.b / 255.0, 1.0);
    }
    bar_->SetNumberOfLabels(5);
    bar_->SetLabelFormat("%+.0f");
    bar_->SetTitle(metric_ == ViewerMetric::change_fat ? "Fat fraction\nchange\n(points)" : "Edema\nchange\n(points)");
  } else if (metric_ == ViewerMetric::grade) {
    lut_->IndexedLookupOn();
    lut_->SetNumberOfTableValues(4);
    static constexpr std::array<const char*, 4> kNames{"1 normal", "2 <30 %", "3 30-60 %", "4 end stage"};
    for (int i = 0; i < 4; ++i) {
      const Rgb c = grade_colour(i + 1);
      lut_->SetTableValue(i, c.r / 255.0, c.g / 255.0, c.b / 255.0, 1.0);
      lut_->SetAnnotation(vtkVariant(i + 1), kNames[static_cast<std::size_t>(i)]);
    }
    bar_->DrawAnnotationsOn();
    bar_->SetTitle("Mercuri\ngrade");
    place(*letters3d_[1], 0.68, 0.5, 2, 1);  // clear of the grade names left of the bar
  } else {
    bar_->SetVisibility(0);
  }
  lut_->Build();
}

void Viewer::update_texts() {
  static const std::map<ViewerMetric, const char*> kTitles{
      {ViewerMetric::fat_fraction, "Fat fraction (group means; slices: voxel fat fraction)"},
      {ViewerMetric::edema_fraction, "Edema (group share; slices: red = edema voxels)"},
      {ViewerMetric::grade, "Mercuri grade, original scale 1-4 (a pick shows the modified 0-4 with 2a/2b)"},
      {ViewerMetric::labels, "Muscle groups"},
      {ViewerMetric::change_fat, "Fat fraction"},
      {ViewerMetric::change_edema, "Edema"}};
  std::string title = fmt::format("3D \u2014 {}   overlay {:.0f} %", kTitles.at(metric_), opacity_ * 100);
  if (change_metric())  // the legend, and how the slices show the change
    title = fmt::format("3D \u2014 {} {}   overlay {:.0f} %\nwhite: within repeatability; {}", kTitles.at(metric_),
                        input_.change->legend, opacity_ * 100,
                        metric_ == ViewerMetric::change_edema ? "slices: change per muscle"
                        : input_.change->fat_fraction_points  ? "slices: voxel difference, " + input_.change->slice_note
                                                              : input_.change->slice_note);
  title3d_->SetInput(title.c_str());
  pick_actor_->SetInput(pick_text_.empty() ? "click a muscle to see its numbers" : pick_text_.c_str());
  help_actor_->SetVisibility(help_ ? 1 : 0);
  const double r = cursor_source_->GetRadius();
  cursor_source_->SetCenter(cursor_.data());
  cursor_source_->SetRadius(r);
}

void Viewer::refresh() {
  update_surface_colours();
  for (auto& view : views_) update_slice(view);
  update_texts();
  edit_.update(mappings());
  muscles_->GetProperty()->SetOpacity(edit_.active() ? 0.3 : 1.0);  // the edited muscle shows through
  render();
}

void Viewer::render() {
  window_->Render();
  if (first_frame_seconds_ == 0)
    first_frame_seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
}

void Viewer::set_cursor(const Vec3& p) {
  for (std::size_t a = 0; a < 3; ++a) cursor_[a] = std::clamp(p[a], extent_low_[a], extent_high_[a]);
}

void Viewer::pick_label(int label, const Vec3& at) {
  std::string where;
  {
    std::string values;
    if (input_.fat_fraction_pct)
      if (const auto ff = detail::sample_nearest(*input_.fat_fraction_pct, at); ff && std::isfinite(*ff))
        values += fmt::format("  voxel FF {:.0f} %", *ff);
    if (input_.edema_mask)
      if (const auto e = detail::sample_nearest(*input_.edema_mask, at)) values += *e ? "  edema" : "";
    where = fmt::format("at LPS ({:.0f}, {:.0f}, {:.0f}) mm{}", at[0], at[1], at[2], values);
  }
  const auto gs = core::MuscleCatalog::instance().from_label(label);
  if (label == 0 || !gs) {
    pick_text_ = "no muscle group here\n" + where;
    return;
  }
  const auto* m = measurement(label);
  std::string text = fmt::format("{} \u2014 patient's {}", gs->group->display_name, core::to_string(gs->side));
  if (!m) {
    pick_text_ = text + "\nnot measured\n" + where;
    return;
  }
  text += fmt::format("\nvolume {:.0f} ml", m->volume_ml);
  if (m->fat_fraction_pct)
    text += fmt::format("   fat fraction {:.1f} % (median {}, p90 {})", *m->fat_fraction_pct,
                        m->fat_fraction_median_pct ? fmt::format("{:.1f}", *m->fat_fraction_median_pct) : "n/a",
                        m->fat_fraction_p90_pct ? fmt::format("{:.1f}", *m->fat_fraction_p90_pct) : "n/a");
  else if (m->t1_fat_estimate_pct)
    text += fmt::format("   T1 fat estimate {:.1f} %", *m->t1_fat_estimate_pct);
  if (m->mercuri_grade)
    text += fmt::format("   Mercuri {}{}", *m->mercuri_grade,
                        m->mercuri_modified_grade.empty() ? "" : " (" + m->mercuri_modified_grade + ")");
  text += "\nedema " + opt_pct(m->edema_fraction_pct) + " of volume";
  if (m->edema_grade) text += fmt::format("   edema grade {}", *m->edema_grade);
  if (m->stir_ratio) text += fmt::format("   STIR ratio {:.2f}", *m->stir_ratio);
  pick_text_ = text + change_pick_text(label) + "\n" + where;
}

void Viewer::click_slice(int view_index, int display_x, int display_y) {
  set_cursor(slice_point(view_index, display_x, display_y));
  const auto l = detail::sample_nearest(labels_, cursor_);
  pick_label(l ? *l : 0, cursor_);
  refresh();
}

Vec3 Viewer::slice_point(int view_index, int display_x, int display_y) const {
  const auto& view = views_[static_cast<std::size_t>(view_index)];
  return display_to_lps(view.mapping(cursor_[static_cast<std::size_t>(view.normal_axis)]), display_x, display_y);
}

std::array<SliceViewMapping, 3> Viewer::mappings() const {
  std::array<SliceViewMapping, 3> m;
  for (std::size_t v = 0; v < 3; ++v)
    m[v] = views_[v].mapping(cursor_[static_cast<std::size_t>(views_[v].normal_axis)]);
  return m;
}

// What edit mode asks of the viewer after a key or a brush dab: new numbers, a new cursor, a redraw.
void Viewer::apply(const detail::EditMode::Outcome& outcome) {
  if (outcome.measurements) measurements_ = *outcome.measurements;
  if (outcome.move_cursor) {
    set_cursor(*outcome.move_cursor);
    const auto l = detail::sample_nearest(labels_, cursor_);
    pick_label(l ? *l : 0, cursor_);
  }
  refresh();
}

void Viewer::edit_press(int view, int display_x, int display_y) {
  apply(edit_.press(view, slice_point(view, display_x, display_y)));
}

void Viewer::edit_drag(int view, int display_x, int display_y) {
  apply(edit_.drag(view, slice_point(view, display_x, display_y)));
}

void Viewer::edit_hover(int view, int display_x, int display_y) {
  edit_.hover(view, slice_point(view, display_x, display_y));
  edit_.update(mappings());
  render();
}

void Viewer::click_3d(int display_x, int display_y) {
  if (!picker_->Pick(display_x, display_y, 0, renderer3d_) || picker_->GetCellId() < 0) {
    pick_text_.clear();
    refresh();
    return;
  }
  double p[3];
  picker_->GetPickPosition(p);
  int label = 0;
  if (auto* labels = vtkIntArray::SafeDownCast(coloured_->GetPointData()->GetArray("label"))) {
    vtkNew<vtkIdList> ids;
    coloured_->GetCellPoints(picker_->GetCellId(), ids);
    if (ids->GetNumberOfIds() > 0) label = labels->GetValue(ids->GetId(0));
  }
  // The picked point lies on the smoothed surface; half a voxel further along the line of sight is inside the muscle,
  // so that the slices and the voxel values shown are the muscle's.
  double dop[3];
  renderer3d_->GetActiveCamera()->GetDirectionOfProjection(dop);
  const double depth = *std::max_element(step_mm_.begin(), step_mm_.end()) / 2;
  set_cursor({p[0] + dop[0] * depth, p[1] + dop[1] * depth, p[2] + dop[2] * depth});
  pick_label(label, cursor_);
  refresh();
}

void Viewer::pick_group(const std::string& group, core::Side side) {
  const auto& catalog = core::MuscleCatalog::instance();
  const auto* g = catalog.find(group);
  if (!g) throw core::MyoError("--pick-group " + group, "not a muscle group of the catalogue");
  const int label = g->label(side);
  const auto c = centroids_.find(label);
  if (c == centroids_.end())
    throw core::MyoError("--pick-group " + group,
                         std::string("the ") + core::to_string(side) + " " + group + " is not in the labels");
  // The interior voxel of the group nearest to its centroid (a curved muscle's centroid may lie outside it; a border
  // voxel would show the outline rather than the muscle).
  const auto& grid = labels_.geometry;
  const auto& voxels = labels_.voxels;
  const auto interior = [&](std::size_t i, std::size_t j, std::size_t k) {
    if (i == 0 || j == 0 || k == 0 || i + 1 >= grid.size[0] || j + 1 >= grid.size[1] || k + 1 >= grid.size[2])
      return false;
    const std::size_t sx = 1, sy = grid.size[0], sz = grid.size[0] * grid.size[1];
    const std::size_t n = grid.linear_index(i, j, k);
    for (const std::size_t step : {sx, sy, sz})
      if (voxels[n - step] != voxels[n] || voxels[n + step] != voxels[n]) return false;
    return true;
  };
  double best = std::numeric_limits<double>::max();
  Vec3 target = c->second;
  std::size_t index = 0;
  for (std::size_t k = 0; k < grid.size[2]; ++k)
    for (std::size_t j = 0; j < grid.size[1]; ++j)
      for (std::size_t i = 0; i < grid.size[0]; ++i, ++index) {
        if (voxels[index] != label || !interior(i, j, k)) continue;
        const auto p = grid.index_to_physical({static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)});
        const double d = (p[0] - c->second[0]) * (p[0] - c->second[0]) + (p[1] - c->second[1]) * (p[1] - c->second[1]) +
                         (p[2] - c->second[2]) * (p[2] - c->second[2]);
        if (d < best) {
          best = d;
          target = p;
        }
      }
  // Bring the axial slice there, then click the voxel on the axial view as a user would.
  set_cursor(target);
  refresh();
  auto& axial = views_[0];
  const auto px = axial.pixel_of(target);
  axial.renderer->SetWorldPoint(px[0] * axial.pixel_mm, px[1] * axial.pixel_mm, 0, 1);
  axial.renderer->WorldToDisplay();
  double d[3];
  axial.renderer->GetDisplayPoint(d);
  click_slice(0, static_cast<int>(std::lround(d[0])), static_cast<int>(std::lround(d[1])));
}

int Viewer::slice_view_at(int x, int y) const {
  for (std::size_t v = 0; v < views_.size(); ++v)
    if (views_[v].renderer->IsInViewport(x, y)) return static_cast<int>(v);
  return -1;
}

std::array<int, 2> Viewer::viewport_pixel(const std::string& name, int x, int y) const {
  const auto centre = viewport_centre(name);
  vtkRenderer* renderer = renderer3d_;
  for (const auto& view : views_)
    if (view.name == name) renderer = view.renderer;
  double vp[4];
  renderer->GetViewport(vp);
  const int* size = window_->GetSize();
  (void)centre;  // validates the name
  return {static_cast<int>(std::lround(vp[0] * size[0])) + x, static_cast<int>(std::lround(vp[3] * size[1])) - 1 - y};
}

std::array<int, 2> Viewer::viewport_centre(const std::string& name) const {
  vtkRenderer* renderer = renderer3d_;
  for (const auto& view : views_)
    if (view.name == name) renderer = view.renderer;
  if (name != "3d" && renderer == renderer3d_.GetPointer())
    throw core::MyoError("--keys", "unknown view '" + name + "' (3d, axial, coronal, sagittal)");
  double vp[4];
  renderer->GetViewport(vp);
  const int* size = window_->GetSize();
  return {static_cast<int>((vp[0] + vp[2]) / 2 * size[0]), static_cast<int>((vp[1] + vp[3]) / 2 * size[1])};
}

void Viewer::scroll(int view_index, int steps) {
  const auto axis = static_cast<std::size_t>(views_[static_cast<std::size_t>(view_index)].normal_axis);
  Vec3 p = cursor_;
  p[axis] += steps * step_mm_[axis];
  set_cursor(p);
  refresh();
}

std::array<double, 2> Viewer::window_level() const {
  const auto& w = windows_.at(current_series().name);
  return {w.high - w.low, (w.high + w.low) / 2};
}

void Viewer::set_window_level(double width, double centre) {
  width = std::max(width, 1e-3);
  windows_[current_series().name] = {centre - width / 2, centre + width / 2};
}

void Viewer::next_metric(int direction) {
  static constexpr std::array<ViewerMetric, 6> kOrder{
      ViewerMetric::fat_fraction, ViewerMetric::edema_fraction, ViewerMetric::grade,
      ViewerMetric::labels,       ViewerMetric::change_fat,     ViewerMetric::change_edema};
  constexpr int n_metrics = static_cast<int>(kOrder.size());
  auto i = static_cast<int>(std::find(kOrder.begin(), kOrder.end(), metric_) - kOrder.begin());
  for (int n = 0; n < n_metrics; ++n) {
    i = (i + direction + n_metrics) % n_metrics;
    if (metric_available(kOrder[static_cast<std::size_t>(i)])) break;
  }
  metric_ = kOrder[static_cast<std::size_t>(i)];
  // Each metric over its own series: fat over the anatomy (Dixon water / T1), edema over STIR.
  if (metric_ != ViewerMetric::grade && metric_ != ViewerMetric::labels) series_index_ = default_series(metric_);
}

void Viewer::save_screenshot() {
  fs::path path;
  do {
    path = options_.screenshot_dir / fmt::format("myoscope_view_{:03d}.png", ++screenshot_count_);
  } while (fs::exists(path));
  write_png(path);
  log::info("screenshot saved: {}", path.string());
}

void Viewer::handle_key(const std::string& key, int mouse_x, int mouse_y) {
  const int view = slice_view_at(mouse_x, mouse_y);
  const auto mouse_mm = view >= 0 ? std::optional<Vec3>(slice_point(view, mouse_x, mouse_y)) : std::nullopt;
  if (const auto outcome = edit_.handle_key(key, mouse_mm, cursor_); outcome.handled) {
    apply(outcome);
    return;
  }
  const auto wl = window_level();
  if (key == "m" || key == "M") {
    next_metric(key == "m" ? 1 : -1);
  } else if (key == "n" || key == "N") {
    const auto n = input_.series.size();
    series_index_ = (series_index_ + (key == "n" ? 1 : n - 1)) % n;
  } else if (key == "Up" || key == "plus" || key == "KP_Add") {
    opacity_ = std::min(1.0, std::round(opacity_ * 10 + 1) / 10);
  } else if (key == "Down" || key == "minus" || key == "KP_Subtract") {
    opacity_ = std::max(0.0, std::round(opacity_ * 10 - 1) / 10);
  } else if (key == "o") {
    outlines_ = !outlines_;
  } else if (key == "Prior" || key == "Next") {
    scroll(view < 0 ? 0 : view, key == "Prior" ? 1 : -1);
    return;
  } else if (key == "w" || key == "W") {
    set_window_level(wl[0] * (key == "w" ? 0.8 : 1.25), wl[1]);
  } else if (key == "l" || key == "L") {
    set_window_level(wl[0], wl[1] + (key == "l" ? -0.05 : 0.05) * wl[0]);
  } else if (key == "r") {
    for (const auto& s : input_.series)
      windows_[s.name] = s.name == "fat_fraction" ? Window{0, 100} : robust_window(*s.image);
    reset_views();
  } else if (key == "1" || key == "2" || key == "3" || key == "4") {
    set_3d_view(key[0] - '1');
  } else if (key == "h" || key == "question") {
    help_ = !help_;
  } else if (key == "s") {
    save_screenshot();
    return;
  } else if (key == "q" || key == "Escape") {
    interactor_->TerminateApp();
    return;
  } else {
    return;
  }
  refresh();
}

ViewerFrame Viewer::frame() const {
  ViewerFrame f;
  const int* size = window_->GetSize();
  f.width_px = size[0];
  f.height_px = size[1];
  f.metric = metric_;
  f.series = current_series().name;
  f.overlay_opacity = opacity_;
  f.cursor_mm = cursor_;
  f.pick_text = pick_text_;
  f.edit_mode = edit_.active();
  f.edit_text = edit_.status();
  f.saved_text = edit_.saved_text();
  f.edit_count = edit_.edit_count();
  f.save_error = edit_.save_error();
  f.first_frame_seconds = first_frame_seconds_;
  const auto panel = [&](const std::string& name, vtkRenderer* r) {
    double vp[4];
    r->GetViewport(vp);
    ViewerPanel p;
    p.name = name;
    p.x = static_cast<int>(std::lround(vp[0] * size[0]));
    p.width = static_cast<int>(std::lround(vp[2] * size[0])) - p.x;
    const int top = static_cast<int>(std::lround(vp[3] * size[1]));
    p.y = size[1] - top;
    p.height = top - static_cast<int>(std::lround(vp[1] * size[1]));
    return p;
  };
  const auto to_window = [&](vtkRenderer* r, double x, double y, double z) {
    r->SetWorldPoint(x, y, z, 1);
    r->WorldToDisplay();
    double d[3];
    r->GetDisplayPoint(d);
    return std::array<int, 2>{static_cast<int>(std::lround(d[0])), size[1] - 1 - static_cast<int>(std::lround(d[1]))};
  };
  auto p3 = panel("3d", renderer3d_);
  for (std::size_t i = 0; i < 4; ++i) p3.orientation[i] = letters3d_[i]->GetInput();
  p3.cursor_px = to_window(renderer3d_, cursor_[0], cursor_[1], cursor_[2]);
  f.panels.push_back(p3);
  for (const auto& view : views_) {
    auto p = panel(view.name, view.renderer);
    for (std::size_t i = 0; i < 4; ++i) p.orientation[i] = view.letters[i]->GetInput();
    const auto px = view.pixel_of(cursor_);
    p.cursor_px = to_window(view.renderer, px[0] * view.pixel_mm, px[1] * view.pixel_mm, 0);
    f.panels.push_back(p);
  }
  return f;
}

void Viewer::write_png(const fs::path& png) {
  render();
  vtkNew<vtkWindowToImageFilter> grab;
  grab->SetInput(window_);
  grab->SetInputBufferTypeToRGB();
  grab->ReadFrontBufferOff();
  grab->ShouldRerenderOff();
  grab->Update();
  detail::Canvas::from_vtk(*grab->GetOutput()).write_png(png);
}

void Viewer::start() {
  interactor_->Initialize();
  refresh();
  log::info("viewer ready: first frame after {:.2f} s (press h in the window for the keys)", first_frame_seconds_);
  interactor_->Start();
}

// Style: mouse and keys dispatched to the viewer.
int ViewerStyle::slice_view_at(int x, int y) { return viewer_ ? viewer_->slice_view_at(x, y) : -1; }

void ViewerStyle::OnLeftButtonDown() {
  const int* pos = Interactor->GetEventPosition();
  press_ = {pos[0], pos[1]};
  const int view = slice_view_at(pos[0], pos[1]);
  if (view >= 0) {
    left_in_slice_ = true;
    if (viewer_->editing())
      viewer_->edit_press(view, pos[0], pos[1]);
    else
      viewer_->click_slice(view, pos[0], pos[1]);
    return;
  }
  left_in_3d_ = true;
  FindPokedRenderer(pos[0], pos[1]);
  vtkInteractorStyleTrackballCamera::OnLeftButtonDown();
}

void ViewerStyle::OnLeftButtonUp() {
  const int* pos = Interactor->GetEventPosition();
  if (left_in_slice_) {
    left_in_slice_ = false;
    viewer_->edit_release();
    return;
  }
  vtkInteractorStyleTrackballCamera::OnLeftButtonUp();
  if (left_in_3d_ && std::abs(pos[0] - press_[0]) + std::abs(pos[1] - press_[1]) < 4) viewer_->click_3d(pos[0], pos[1]);
  left_in_3d_ = false;
}

void ViewerStyle::OnRightButtonDown() {
  const int* pos = Interactor->GetEventPosition();
  const int view = slice_view_at(pos[0], pos[1]);
  if (view >= 0) {
    window_level_ = true;
    window_level_view_ = view;
    press_ = {pos[0], pos[1]};
    const auto wl = viewer_->window_level();
    window_level_start_ = {wl[0], wl[1]};
    return;
  }
  FindPokedRenderer(pos[0], pos[1]);
  vtkInteractorStyleTrackballCamera::OnRightButtonDown();
}

void ViewerStyle::OnRightButtonUp() {
  if (window_level_) {
    window_level_ = false;
    return;
  }
  vtkInteractorStyleTrackballCamera::OnRightButtonUp();
}

void ViewerStyle::OnMouseMove() {
  const int* pos = Interactor->GetEventPosition();
  if (window_level_) {
    // Horizontal: window width; vertical: level. Full viewport width doubles / halves the window.
    const int* size = Interactor->GetRenderWindow()->GetSize();
    const double dx = (pos[0] - press_[0]) / std::max(1.0, size[0] / 2.0);
    const double dy = (pos[1] - press_[1]) / std::max(1.0, size[1] / 2.0);
    viewer_->set_window_level(window_level_start_[0] * std::pow(2.0, dx),
                              window_level_start_[1] + dy * window_level_start_[0]);
    viewer_->refresh();
    return;
  }
  const int view = slice_view_at(pos[0], pos[1]);
  if (left_in_slice_) {
    if (view >= 0 && viewer_->editing())
      viewer_->edit_drag(view, pos[0], pos[1]);
    else if (view >= 0)
      viewer_->click_slice(view, pos[0], pos[1]);
    return;
  }
  if (view >= 0 && viewer_->editing()) viewer_->edit_hover(view, pos[0], pos[1]);
  vtkInteractorStyleTrackballCamera::OnMouseMove();
}

void ViewerStyle::OnMouseWheelForward() {
  const int* pos = Interactor->GetEventPosition();
  if (const int view = slice_view_at(pos[0], pos[1]); view >= 0) {
    if (Interactor->GetControlKey())
      viewer_->zoom(view, 1.15);
    else
      viewer_->scroll(view, 1);
    return;
  }
  FindPokedRenderer(pos[0], pos[1]);
  vtkInteractorStyleTrackballCamera::OnMouseWheelForward();
}

void ViewerStyle::OnMouseWheelBackward() {
  const int* pos = Interactor->GetEventPosition();
  if (const int view = slice_view_at(pos[0], pos[1]); view >= 0) {
    if (Interactor->GetControlKey())
      viewer_->zoom(view, 1 / 1.15);
    else
      viewer_->scroll(view, -1);
    return;
  }
  FindPokedRenderer(pos[0], pos[1]);
  vtkInteractorStyleTrackballCamera::OnMouseWheelBackward();
}

void ViewerStyle::OnKeyPress() {
  const char* sym = Interactor->GetKeySym();
  const int* pos = Interactor->GetEventPosition();
  if (sym) viewer_->handle_key(sym, pos[0], pos[1]);
}

// "VIEW" (its centre) or "VIEW:X:Y" (pixels from its top-left corner) as display pixels; more pixel pairs follow
// for a drag.
std::vector<std::array<int, 2>> places(Viewer& viewer, const std::string& where, const std::string& action) {
  std::vector<std::string> parts;
  for (std::size_t from = 0;;) {
    const auto colon = where.find(':', from);
    parts.push_back(where.substr(from, colon == std::string::npos ? std::string::npos : colon - from));
    if (colon == std::string::npos) break;
    from = colon + 1;
  }
  if (parts.size() == 1) return {viewer.viewport_centre(parts[0])};
  std::vector<std::array<int, 2>> result;
  try {
    for (std::size_t i = 1; i + 1 < parts.size(); i += 2)
      result.push_back(viewer.viewport_pixel(parts[0], std::stoi(parts[i]), std::stoi(parts[i + 1])));
  } catch (const std::logic_error&) {
    result.clear();
  }
  if (result.empty() || parts.size() % 2 == 0)
    throw core::MyoError(action, "expected VIEW:X:Y with whole pixel numbers (e.g. axial:350:200)",
                         core::ErrorKind::usage);
  return result;
}

// Replays a key as the X interactor would deliver it, through the style. "KEY@VIEW" presses it with the mouse over
// the centre of that viewport (3d, axial, coronal, sagittal), "KEY@VIEW:X:Y" at a pixel of it, for the keys that act
// on the view under the mouse.
void press_key(Viewer& viewer, const std::string& text) {
  auto& interactor = *viewer.interactor();
  std::string key = text;
  std::array<int, 2> position{0, 0};
  if (const auto at = text.find('@'); at != std::string::npos && at > 0) {
    key = text.substr(0, at);
    position = places(viewer, text.substr(at + 1), text).front();
  }
  const char code = key.size() == 1 ? key[0] : '\0';
  interactor.SetEventPosition(position[0], position[1]);
  interactor.SetKeyEventInformation(0, 0, code, 1, key.c_str());
  interactor.InvokeEvent(vtkCommand::KeyPressEvent, nullptr);
  interactor.InvokeEvent(vtkCommand::KeyReleaseEvent, nullptr);
}

// "click@VIEW:X:Y" and "drag@VIEW:X0:Y0:X1:Y1": the left button through the style, as the X interactor delivers it;
// a drag moves in steps of a few pixels. Anything else is a key.
void perform(Viewer& viewer, const std::string& action) {
  const bool click = action.rfind("click@", 0) == 0, drag = action.rfind("drag@", 0) == 0;
  if (!click && !drag) return press_key(viewer, action);
  auto& interactor = *viewer.interactor();
  const auto at = places(viewer, action.substr(action.find('@') + 1), action);
  if (drag && at.size() != 2) throw core::MyoError(action, "a drag needs VIEW:X0:Y0:X1:Y1", core::ErrorKind::usage);
  const auto event = [&](const std::array<int, 2>& p, unsigned long id) {
    interactor.SetEventPosition(p[0], p[1]);
    interactor.InvokeEvent(id, nullptr);
  };
  event(at.front(), vtkCommand::LeftButtonPressEvent);
  if (drag) {
    const int steps = std::max(1, (std::abs(at[1][0] - at[0][0]) + std::abs(at[1][1] - at[0][1])) / 4);
    for (int s = 1; s <= steps; ++s)
      event({at[0][0] + (at[1][0] - at[0][0]) * s / steps, at[0][1] + (at[1][1] - at[0][1]) * s / steps},
            vtkCommand::MouseMoveEvent);
  }
  event(at.back(), vtkCommand::LeftButtonReleaseEvent);
}

void apply_options(Viewer& viewer, const ViewerOptions& options) {
  viewer.refresh();
  if (!options.pick_group.empty()) viewer.pick_group(options.pick_group, options.pick_side);
  for (const auto& key : options.keys) press_key(viewer, key);
  for (const auto& action : options.actions) perform(viewer, action);
}

}  // namespace

ViewerFrame run_viewer(const ViewerInput& input, const ViewerOptions& options) {
  require_interactive_display();
  Viewer viewer(input, options, false);
  apply_options(viewer, options);
  viewer.start();
  return viewer.frame();
}

ViewerFrame viewer_screenshot(const ViewerInput& input, const fs::path& png, const ViewerOptions& options) {
  require_display();
  Viewer viewer(input, options, true);
  apply_options(viewer, options);
  viewer.write_png(png);
  return viewer.frame();
}

}  // namespace myo::rendering
