// The viewer's input: keys, mouse and picking (the 3D surfaces and the slice views), and the scripted keys and mouse
// actions of ViewerOptions, replayed through the same interactor style as a user's.
#include <fmt/format.h>
#include <vtkCamera.h>
#include <vtkCommand.h>
#include <vtkIdList.h>
#include <vtkIntArray.h>
#include <vtkObjectFactory.h>
#include <vtkPointData.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "figures_internal.hpp"
#include "myo/core/error.hpp"
#include "myo/core/log.hpp"
#include "myo/core/muscle_catalog.hpp"
#include "viewer_internal.hpp"

namespace myo::rendering::detail {
namespace fs = std::filesystem;
using core::Vec3;

vtkStandardNewMacro(ViewerStyle);

namespace {

std::string opt_pct(const std::optional<double>& v) { return v ? fmt::format("{:.1f} %", *v) : std::string("n/a"); }

}  // namespace

void Viewer::set_cursor(const Vec3& p) {
  for (std::size_t a = 0; a < 3; ++a) cursor_[a] = std::clamp(p[a], extent_low_[a], extent_high_[a]);
}

// Where a pick landed and the voxel values there.
std::string Viewer::voxel_text(const Vec3& at) const {
  std::string values;
  if (input_.fat_fraction_pct)
    if (const auto ff = sample_nearest(*input_.fat_fraction_pct, at); ff && std::isfinite(*ff))
      values += fmt::format("  voxel FF {:.0f} %", *ff);
  if (input_.edema_mask)
    if (const auto e = sample_nearest(*input_.edema_mask, at)) values += *e ? "  edema" : "";
  return fmt::format("at LPS ({:.0f}, {:.0f}, {:.0f}) mm{}", at[0], at[1], at[2], values);
}

// The picked group's numbers (and its change since the previous visit) for the 3D view's text box.
void Viewer::pick_label(int label, const Vec3& at) {
  const std::string where = voxel_text(at);
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
void Viewer::apply(const EditMode::Outcome& outcome) {
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
  const auto* g = core::MuscleCatalog::instance().find(group);
  if (!g) throw core::MyoError("--pick-group " + group, "not a muscle group of the catalogue");
  const int label = g->label(side);
  const auto c = centroids_.find(label);
  if (c == centroids_.end())
    throw core::MyoError("--pick-group " + group,
                         std::string("the ") + core::to_string(side) + " " + group + " is not in the labels");
  click_on_axial(interior_voxel_near(label, c->second));
}

// The interior voxel of the group nearest to its centroid (a curved muscle's centroid may lie outside it; a border
// voxel would show the outline rather than the muscle); the centroid when the group has no interior voxel.
Vec3 Viewer::interior_voxel_near(int label, const Vec3& centroid) const {
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
  Vec3 target = centroid;
  std::size_t index = 0;
  for (std::size_t k = 0; k < grid.size[2]; ++k)
    for (std::size_t j = 0; j < grid.size[1]; ++j)
      for (std::size_t i = 0; i < grid.size[0]; ++i, ++index) {
        if (voxels[index] != label || !interior(i, j, k)) continue;
        const auto p = grid.index_to_physical({static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)});
        const double d = (p[0] - centroid[0]) * (p[0] - centroid[0]) + (p[1] - centroid[1]) * (p[1] - centroid[1]) +
                         (p[2] - centroid[2]) * (p[2] - centroid[2]);
        if (d < best) {
          best = d;
          target = p;
        }
      }
  return target;
}

// Brings the axial slice to `target`, then clicks it on the axial view as a user would.
void Viewer::click_on_axial(const Vec3& target) {
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

void Viewer::zoom(int view_index, double factor) {
  views_[static_cast<std::size_t>(view_index)].renderer->GetActiveCamera()->Zoom(factor);
  render();
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
  if (key == "Prior" || key == "Next") {
    scroll(view < 0 ? 0 : view, key == "Prior" ? 1 : -1);
  } else if (key == "s") {
    save_screenshot();
  } else if (key == "q" || key == "Escape") {
    interactor_->TerminateApp();
  } else if (handle_display_key(key)) {
    refresh();
  }
}

// The keys that change what is shown: metric, series, overlay, outlines, window/level, views, help.
bool Viewer::handle_display_key(const std::string& key) {
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
  } else if (key == "w" || key == "W") {
    set_window_level(wl[0] * (key == "w" ? 0.8 : 1.25), wl[1]);
  } else if (key == "l" || key == "L") {
    set_window_level(wl[0], wl[1] + (key == "l" ? -0.05 : 0.05) * wl[0]);
  } else if (key == "r") {
    reset_windows();
    reset_views();
  } else if (key == "1" || key == "2" || key == "3" || key == "4") {
    set_3d_view(key[0] - '1');
  } else if (key == "h" || key == "question") {
    help_ = !help_;
  } else {
    return false;
  }
  return true;
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

bool ViewerStyle::wheel_on_slice(int steps) {
  const int* pos = Interactor->GetEventPosition();
  if (const int view = slice_view_at(pos[0], pos[1]); view >= 0) {
    if (Interactor->GetControlKey())
      viewer_->zoom(view, steps > 0 ? 1.15 : 1 / 1.15);
    else
      viewer_->scroll(view, steps);
    return true;
  }
  FindPokedRenderer(pos[0], pos[1]);
  return false;
}

void ViewerStyle::OnMouseWheelForward() {
  if (!wheel_on_slice(1)) vtkInteractorStyleTrackballCamera::OnMouseWheelForward();
}

void ViewerStyle::OnMouseWheelBackward() {
  if (!wheel_on_slice(-1)) vtkInteractorStyleTrackballCamera::OnMouseWheelBackward();
}

void ViewerStyle::OnKeyPress() {
  const char* sym = Interactor->GetKeySym();
  const int* pos = Interactor->GetEventPosition();
  if (sym) viewer_->handle_key(sym, pos[0], pos[1]);
}

namespace {

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

}  // namespace

void apply_options(Viewer& viewer, const ViewerOptions& options) {
  viewer.refresh();
  if (!options.pick_group.empty()) viewer.pick_group(options.pick_group, options.pick_side);
  for (const auto& key : options.keys) press_key(viewer, key);
  for (const auto& action : options.actions) perform(viewer, action);
}

}  // namespace myo::rendering::detail
