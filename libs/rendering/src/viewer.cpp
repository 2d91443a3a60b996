// The interactive viewer: VTK's render window and interactor, four viewports (3D, axial, coronal, sagittal). This
// file sets the window up, colours the groups by the metric, lays out and fills the slice views and reports frames;
// the 3D scene is in viewer_scene.cpp, keys and mouse in viewer_input.cpp, the slice images in slice_compose.cpp.
#include "myo/rendering/viewer.hpp"

#include <fmt/format.h>
#include <vtkCamera.h>
#include <vtkCellArray.h>
#include <vtkImageMapper3D.h>
#include <vtkPoints.h>
#include <vtkProperty.h>
#include <vtkTextProperty.h>
#include <vtkWindowToImageFilter.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "canvas.hpp"
#include "display_internal.hpp"
#include "figures_internal.hpp"
#include "myo/core/error.hpp"
#include "myo/core/log.hpp"
#include "myo/core/muscle_catalog.hpp"
#include "myo/core/statistics.hpp"
#include "viewer_internal.hpp"

namespace myo::rendering {
namespace fs = std::filesystem;
using core::Vec3;

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

namespace detail {
using core::Vec3;

Rgb grade_colour(int grade) { return colormap(Metric::mercuri_grade, (std::clamp(grade, 1, 4) - 0.5) / 4); }

std::string letter(const Vec3& v) { return std::string(1, orientation_letter(v[0], v[1], v[2])); }
Vec3 neg(const Vec3& v) { return {-v[0], -v[1], -v[2]}; }

void set_text_style(vtkTextActor& actor, int size, const Rgb& colour, bool bold) {
  auto* p = actor.GetTextProperty();
  p->SetFontSize(size);
  p->SetColor(colour.r / 255.0, colour.g / 255.0, colour.b / 255.0);
  p->SetBold(bold ? 1 : 0);
  p->SetShadow(1);
  p->SetShadowOffset(1, -1);
  p->SetFontFamilyToArial();
}

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

SliceViewMapping SliceView::mapping(double normal_mm) const {
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

namespace {

// Grey window of a series: 0 to the 99.5th percentile of its positive voxels.
SeriesWindow robust_window(const core::ImageVolume& image) {
  auto sample = core::sample_values(image.voxels, 300000, [](float v) { return std::isfinite(v) && v > 0; });
  if (sample.empty()) return {};
  SeriesWindow w{0.0, core::percentile(sample, 0.995)};
  if (!(w.high > w.low)) w.high = w.low + 1;
  return w;
}

const core::LabelVolume& required_labels(const ViewerInput& input) {
  if (!input.labels) throw core::MyoError("viewer", "no label volume given");
  input.labels->check();
  return *input.labels;
}

// Every volume shown must lie on the labels' grid: the viewer samples them all at the same points.
void check_grids(const ViewerInput& input) {
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
}

}  // namespace

Viewer::Viewer(const ViewerInput& input, const ViewerOptions& options, bool offscreen)
    : input_(input), options_(options), labels_(required_labels(input)), measurements_(input.measurements),
      edit_(input.editing, labels_, options.colours.smoothing_iterations, options.colours.smoothing_pass_band) {
  check_grids(input);
  route_vtk_output();
  measure_extent();
  find_centroids();
  choose_metric_and_series();
  opacity_ = std::clamp(options.overlay_opacity, 0.0, 1.0);
  reset_windows();
  set_up_window(offscreen);
  build_3d();
  build_slice_views();
  edit_.attach(*renderer3d_, {views_[0].renderer, views_[1].renderer, views_[2].renderer});
  interactor_->SetRenderWindow(window_);
  style_->SetViewer(this);
  style_->SetDefaultRenderer(renderer3d_);
  interactor_->SetInteractorStyle(style_);
}

// The volume's extent in LPS and the slice step along each LPS axis (the spacing of the image axis closest to it).
void Viewer::measure_extent() {
  const auto& grid = labels_.geometry;
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
}

// Centroids of the labels (picking by name, the initial cursor) and their box (the initial framing).
void Viewer::find_centroids() {
  const auto& grid = labels_.geometry;
  labels_low_ = extent_high_;
  labels_high_ = extent_low_;
  std::map<int, std::array<double, 4>> sums;
  std::size_t index = 0;
  for (std::size_t k = 0; k < grid.size[2]; ++k)
    for (std::size_t j = 0; j < grid.size[1]; ++j)
      for (std::size_t i = 0; i < grid.size[0]; ++i, ++index) {
        const int l = labels_.voxels[index];
        if (l == 0) continue;
        const auto p = grid.index_to_physical({static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)});
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

// The options' metric (the groups when the analysis lacks it) and series (else the metric's own).
void Viewer::choose_metric_and_series() {
  metric_ = options_.metric;
  if (!metric_available(metric_)) {
    log::warn("viewer: the analysis has no {}; showing the muscle groups", to_string(metric_));
    metric_ = ViewerMetric::labels;
  }
  series_index_ = default_series(metric_);
  if (options_.series.empty()) return;
  const auto it = std::find_if(input_.series.begin(), input_.series.end(),
                               [&](const ViewerSeries& s) { return s.name == options_.series; });
  if (it == input_.series.end()) {
    std::string names;
    for (const auto& s : input_.series) names += (names.empty() ? "" : ", ") + s.name;
    throw core::MyoError("--series " + options_.series, "no such series in the analysis (available: " + names + ")");
  }
  series_index_ = static_cast<std::size_t>(it - input_.series.begin());
}

void Viewer::reset_windows() {
  for (const auto& s : input_.series)
    windows_[s.name] = s.name == "fat_fraction" ? SeriesWindow{0, 100} : robust_window(*s.image);
}

void Viewer::set_up_window(bool offscreen) {
  window_->SetMultiSamples(0);
  detail::lock_text_renderer_while_rendering(*window_);  // its text actors and colour bar letter as it renders
  int width = options_.width_px, height = options_.height_px;
  if (!offscreen) {  // an interactive window fits the screen
    if (const auto screen = screen_size_px()) {
      const double fit = std::min({1.0, 0.92 * (*screen)[0] / width, 0.88 * (*screen)[1] / height});
      width = static_cast<int>(width * fit);
      height = static_cast<int>(height * fit);
    }
  }
  window_->SetSize(width, height);
  window_->SetWindowName(("MyoScope \u2014 " + input_.title).c_str());
  if (offscreen) window_->SetOffScreenRendering(1);
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
  return group_change_colour(*input_.change, *g,
                             metric_ == ViewerMetric::change_fat ? ChangeMetric::fat : ChangeMetric::edema);
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

// Radiological convention: axial with the patient's right on the image left and anterior up; coronal with the
// patient's right on the left and superior up; sagittal with anterior on the left and superior up.
void Viewer::build_slice_views() {
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
    build_slice_view(view, spec.viewport);
  }
  reset_views();
}

// A slice view's renderer: the image, the crosshair, the title and the orientation letters.
void Viewer::build_slice_view(SliceView& view, const std::array<double, 4>& viewport) {
  view.renderer->SetViewport(viewport[0], viewport[1], viewport[2], viewport[3]);
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
  view.renderer->GetActiveCamera()->ParallelProjectionOn();
}

// What the slices overlay for the current metric.
SliceSources Viewer::slice_sources() const {
  SliceSources s;
  s.series = current_series().image;
  s.labels = &labels_;
  s.metric = metric_;
  s.fat_fraction_pct = input_.fat_fraction_pct;
  s.fat_info = metric_info(Metric::fat_fraction, options_.colours);
  s.edema_mask = input_.edema_mask;
  s.change = input_.change ? &*input_.change : nullptr;
  for (const auto& [l, c] : centroids_) s.group_colours[l] = group_colour(l);
  return s;
}

void Viewer::update_slice(SliceView& view) {
  const SeriesWindow w = windows_[current_series().name];
  const double normal = cursor_[static_cast<std::size_t>(view.normal_axis)];
  const auto rgb = compose_slice(sample_slice(view, normal, slice_sources()), {w.low, w.high, opacity_, outlines_});
  std::copy(rgb.begin(), rgb.end(), static_cast<unsigned char*>(view.image->GetScalarPointer()));
  view.image->Modified();
  update_crosshair(view);
  const char axis = "xyz"[view.normal_axis];
  const auto wl = window_level();
  std::string title = fmt::format("{}  {} = {:.1f} mm   {}  W {:.0f} L {:.0f}",
                                  view.name == "axial"     ? "Axial"
                                  : view.name == "coronal" ? "Coronal"
                                                           : "Sagittal",
                                  axis, normal, current_series().name, wl[0], wl[1]);
  view.title->SetInput(title.c_str());
}

// Crosshair with a gap at the cursor, so that the picked tissue stays visible.
void Viewer::update_crosshair(SliceView& view) {
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

}  // namespace detail

ViewerFrame run_viewer(const ViewerInput& input, const ViewerOptions& options) {
  require_interactive_display();
  detail::Viewer viewer(input, options, false);
  detail::apply_options(viewer, options);
  viewer.start();
  return viewer.frame();
}

ViewerFrame viewer_screenshot(const ViewerInput& input, const fs::path& png, const ViewerOptions& options) {
  require_display();
  detail::Viewer viewer(input, options, true);
  detail::apply_options(viewer, options);
  viewer.write_png(png);
  return viewer.frame();
}

}  // namespace myo::rendering
