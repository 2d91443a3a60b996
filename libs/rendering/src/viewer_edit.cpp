#include "viewer_edit.hpp"

#include <fmt/format.h>
#include <vtkCellArray.h>
#include <vtkPoints.h>
#include <vtkProperty.h>
#include <vtkTextProperty.h>

#include <algorithm>
#include <cmath>

#include "figures_internal.hpp"
#include "myo/core/error.hpp"
#include "myo/core/log.hpp"
#include "myo/core/muscle_catalog.hpp"
#include "myo/core/numbers.hpp"
#include "surfaces.hpp"

namespace myo::rendering::detail {
namespace {

using core::Vec3;

// Brush radii offered by [ and ] (mm): fine steps for small corrections, coarse ones for large.
constexpr std::array<double, 15> kRadiiMm{1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50};
constexpr int kListLength = 9;  // labels of the review list shown at once

double distance_mm(const Vec3& a, const Vec3& b) {
  return std::sqrt((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) + (a[2] - b[2]) * (a[2] - b[2]));
}

// The group label a label is shown as: itself for a group, its group's (same side) for a single muscle.
std::uint16_t group_label(std::uint16_t label) {
  const auto& catalog = core::MuscleCatalog::instance();
  if (label == 0 || catalog.from_label(label)) return label;
  if (const auto m = catalog.muscle_from_label(label))
    if (const auto* g = catalog.find(m->muscle->group)) return static_cast<std::uint16_t>(g->label(m->side));
  return label;
}

std::string numbers_text(const std::optional<LabelNumbers>& before, const LabelNumbers& after) {
  const auto pct = [](const std::optional<double>& v) { return v ? fmt::format("{:.1f} %", *v) : std::string("n/a"); };
  if (!before)
    return fmt::format("volume {:.1f} ml, fat fraction {}", after.volume_ml, pct(after.fat_fraction_pct));
  return fmt::format("volume {:.1f} -> {:.1f} ml, fat fraction {} -> {}", before->volume_ml, after.volume_ml,
                     pct(before->fat_fraction_pct), pct(after.fat_fraction_pct));
}

}  // namespace

const char* EditMode::key_help() {
  return "e            edit mode on / off (edits the map `myoscope edit` replays)\n"
         "  left click / drag on a slice   brush the active label (or erase)\n"
         "  x  eraser on / off     b  2D disc / 3D ball     [ ]  brush smaller / larger (mm)\n"
         "  a / A  next / previous label of the list (flagged muscles first)   c  label under the mouse\n"
         "  j  next flagged muscle, at its worst slice\n"
         "  g  give the region under the brush to the active label    f  fill at the mouse\n"
         "  i  interpolate the active label between the last two edited slices\n"
         "  z / Z  undo / redo     S  save: new version, requantified";
}

EditMode::EditMode(const ViewerEditing& input, core::LabelVolume& display, int smoothing_iterations,
                   double pass_band)
    : input_(input), display_(display), smoothing_iterations_(smoothing_iterations), pass_band_(pass_band),
      numbers_(input.numbers) {
  if (!input.labels) return;
  if (!input.labels->geometry.same_grid(display.geometry))
    throw core::MyoError("viewer", "the label map to edit is not on the labels' grid");
  session_.emplace(*input.labels, input.reader);
  group_of_.resize(65536);
  for (std::size_t v = 0; v < group_of_.size(); ++v) group_of_[v] = group_label(static_cast<std::uint16_t>(v));
}

void EditMode::attach(vtkRenderer& renderer3d, const std::array<vtkRenderer*, 3>& slice_renderers) {
  surface_->SetMapper(surface_mapper_);
  surface_mapper_->ScalarVisibilityOff();
  surface_->GetProperty()->SetColor(1.0, 0.92, 0.35);
  surface_->GetProperty()->SetRepresentationToWireframe();
  surface_->GetProperty()->SetLineWidth(1.2);
  surface_->GetProperty()->LightingOff();
  surface_->PickableOff();
  surface_->SetVisibility(0);
  renderer3d.AddActor(surface_);
  auto* p = text_->GetTextProperty();
  p->SetFontSize(11);
  p->SetFontFamilyToCourier();
  p->SetColor(1, 1, 0.85);
  p->SetBackgroundColor(0, 0, 0);
  p->SetBackgroundOpacity(0.5);  // the 3D muscles stay visible behind the list
  p->SetVerticalJustificationToTop();
  text_->GetPositionCoordinate()->SetCoordinateSystemToNormalizedViewport();
  text_->GetPositionCoordinate()->SetValue(0.01, 0.93);
  text_->SetVisibility(0);
  renderer3d.AddViewProp(text_);
  for (std::size_t v = 0; v < 3; ++v) {
    circle_mappers_[v]->SetInputData(circles_[v]);
    circle_actors_[v]->SetMapper(circle_mappers_[v]);
    circle_actors_[v]->GetProperty()->SetLineWidth(1.5);
    circle_actors_[v]->PickableOff();
    circle_actors_[v]->SetVisibility(0);
    slice_renderers[v]->AddViewProp(circle_actors_[v]);
  }
}

std::string EditMode::label_name(int label) const {
  const auto& catalog = core::MuscleCatalog::instance();
  if (const auto m = catalog.muscle_from_label(label))
    return fmt::format("{}, {}", m->muscle->display_name, core::to_string(m->side));
  if (const auto g = catalog.from_label(label))
    return fmt::format("{}, {}", g->group->display_name, core::to_string(g->side));
  return fmt::format("label {}", label);
}

const editing::LabelConfidence* EditMode::confidence(int label) const {
  for (const auto& c : input_.confidence)
    if (c.label == label) return &c;
  return nullptr;
}

bool EditMode::flagged(int label) const {
  const auto* c = confidence(label);
  return c && c->flagged;
}

EditMode::Outcome EditMode::enter(const Vec3& cursor_mm) {
  Outcome o;
  o.handled = true;
  if (!session_) {
    message_ = "edit mode is unavailable: " + input_.unavailable_reason;
    log::warn("viewer: {}", message_);
    active_ = !active_;  // the status shows why
    return o;
  }
  active_ = !active_;
  if (!active_) return o;
  order_ = editing::review_order(session_->labels(), input_.confidence);
  const auto under = sample_nearest(session_->labels(), cursor_mm);
  if (under && *under != 0) label_ = *under;
  else if (label_ == 0 && !order_.empty()) label_ = order_.front();
  surface_dirty_ = true;
  return o;
}

EditMode::Outcome EditMode::after_change() {
  Outcome o;
  o.handled = true;
  sync_display();
  surface_dirty_ = true;
  return o;
}

void EditMode::sync_display() {
  const auto& labels = session_->labels().voxels;
  for (const auto i : session_->last_changed()) display_.voxels[i] = group_of_[labels[i]];
}

EditMode::Outcome EditMode::apply(editing::Edit edit) {
  try {
    const auto changed = session_->apply(std::move(edit));
    message_ = fmt::format("{} voxels changed", changed);
  } catch (const core::MyoError& e) {
    message_ = "refused: " + e.error().message;
    Outcome o;
    o.handled = true;
    return o;
  }
  return after_change();
}

EditMode::Outcome EditMode::press(int view, const Vec3& at_mm) {
  session_->begin_action();
  last_dab_mm_.reset();
  return drag(view, at_mm);
}

EditMode::Outcome EditMode::drag(int view, const Vec3& at_mm) {
  brush_view_ = view;
  brush_mm_ = at_mm;
  // Dabs half a radius apart along the mouse's path, so a quick drag leaves no gaps.
  const double step = std::max(0.5, radius_mm_ / 2);
  std::vector<Vec3> dabs;
  if (!last_dab_mm_) {
    dabs.push_back(at_mm);
  } else {
    const double d = distance_mm(*last_dab_mm_, at_mm);
    const int n = static_cast<int>(std::floor(d / step));
    for (int s = 1; s <= n; ++s) {
      const double t = s * step / d;
      dabs.push_back({(*last_dab_mm_)[0] + t * (at_mm[0] - (*last_dab_mm_)[0]),
                      (*last_dab_mm_)[1] + t * (at_mm[1] - (*last_dab_mm_)[1]),
                      (*last_dab_mm_)[2] + t * (at_mm[2] - (*last_dab_mm_)[2])});
    }
  }
  Outcome o;
  o.handled = true;
  for (const auto& p : dabs) {
    editing::Edit e;
    e.kind = eraser_ ? editing::EditKind::erase : editing::EditKind::brush;
    e.centre_mm = p;
    e.radius_mm = radius_mm_;
    e.shape = shape_;
    e.label = eraser_ ? 0 : label_;
    apply(e);
    last_dab_mm_ = p;
    if (!eraser_) edited_slices_mm_.push_back(p);
  }
  return o;
}

void EditMode::release() {
  if (session_) session_->end_action();
  last_dab_mm_.reset();
}

void EditMode::hover(int view, const Vec3& at_mm) {
  brush_view_ = view;
  brush_mm_ = at_mm;
}

EditMode::Outcome EditMode::select_next(int direction, bool flagged_only) {
  Outcome o;
  o.handled = true;
  if (order_.empty()) return o;
  const auto n = static_cast<int>(order_.size());
  const auto at = std::find(order_.begin(), order_.end(), label_);
  int i = at == order_.end() ? -1 : static_cast<int>(at - order_.begin());
  for (int tried = 0; tried < n; ++tried) {
    i = ((i + direction) % n + n) % n;
    if (!flagged_only || flagged(order_[static_cast<std::size_t>(i)])) {
      label_ = order_[static_cast<std::size_t>(i)];
      surface_dirty_ = true;
      if (flagged_only) {
        o.move_cursor = editing::worst_slice_point_mm(session_->labels(), label_);
        message_ = "worst slice of " + label_name(label_);
      }
      return o;
    }
  }
  message_ = "no flagged muscle in this analysis";
  return o;
}

EditMode::Outcome EditMode::interpolate() {
  const auto& g = session_->labels().geometry;
  const auto slice = [&](const Vec3& p) { return std::lround(g.physical_to_index(p)[2]); };
  if (!edited_slices_mm_.empty()) {
    const Vec3 to = edited_slices_mm_.back();
    for (auto p = edited_slices_mm_.rbegin(); p != edited_slices_mm_.rend(); ++p)
      if (std::abs(slice(*p) - slice(to)) > 1) {
        editing::Edit e;
        e.kind = editing::EditKind::interpolate;
        e.label = label_;
        e.from_mm = *p;
        e.to_mm = to;
        return apply(e);
      }
  }
  message_ = "interpolate: brush the active label on two slices at least two apart first";
  Outcome o;
  o.handled = true;
  return o;
}

EditMode::Outcome EditMode::save() {
  Outcome o;
  o.handled = true;
  if (session_->edit_count() == 0) {
    message_ = "nothing to save";
    return o;
  }
  if (!input_.save) {
    message_ = "saving is unavailable here";
    return o;
  }
  try {
    const auto saved = input_.save(session_->log());
    const auto before = numbers_.find(label_);
    const auto after = saved.labels.find(label_);
    saved_text_ = fmt::format("saved {} ({} edits)", saved.name, session_->edit_count());
    if (after != saved.labels.end())
      saved_text_ += fmt::format(": {}\n  {}", label_name(label_),
                                 numbers_text(before == numbers_.end() ? std::nullopt
                                                                       : std::optional<LabelNumbers>(before->second),
                                              after->second));
    log::info("viewer: {}", saved_text_);
    message_ = saved_text_;
    numbers_ = saved.labels;
    session_->commit();
    edited_slices_mm_.clear();
    o.measurements = saved.measurements;
  } catch (const core::MyoError& e) {
    save_error_ = e.error();
    message_ = "save failed: " + e.error().subject + ": " + e.error().message;
    log::error("viewer: {}", message_);
  }
  return o;
}

EditMode::Outcome EditMode::handle_key(const std::string& key, const std::optional<Vec3>& mouse_mm,
                                       const Vec3& cursor_mm) {
  if (key == "e") return enter(cursor_mm);
  Outcome o;
  if (!active_ || !session_) return o;
  o.handled = true;
  const Vec3 at = mouse_mm.value_or(cursor_mm);
  if (key == "bracketleft" || key == "bracketright") {
    auto it = std::lower_bound(kRadiiMm.begin(), kRadiiMm.end(), radius_mm_);
    if (key == "bracketleft" && it != kRadiiMm.begin()) --it;
    if (key == "bracketright" && it + 1 != kRadiiMm.end()) ++it;
    radius_mm_ = *it;
  } else if (key == "b") {
    shape_ = shape_ == editing::BrushShape::ball ? editing::BrushShape::disc : editing::BrushShape::ball;
  } else if (key == "x") {
    eraser_ = !eraser_;
  } else if (key == "a" || key == "A") {
    return select_next(key == "a" ? 1 : -1, false);
  } else if (key == "j") {
    return select_next(1, true);
  } else if (key == "c") {
    if (const auto l = sample_nearest(session_->labels(), at); l && *l != 0) label_ = *l, surface_dirty_ = true;
  } else if (key == "g") {
    const auto from = sample_nearest(session_->labels(), at);
    if (!from || *from == 0 || *from == label_) {
      message_ = "give: point at another label's region";
      return o;
    }
    editing::Edit e;
    e.kind = editing::EditKind::reassign;
    e.from_label = *from;
    e.to_label = label_;
    e.centre_mm = at;
    e.radius_mm = radius_mm_;
    return apply(e);
  } else if (key == "f") {
    editing::Edit e;
    e.kind = editing::EditKind::fill;
    e.label = label_;
    e.centre_mm = at;
    return apply(e);
  } else if (key == "i") {
    return interpolate();
  } else if (key == "z" || key == "Z" || key == "y") {
    const bool done = key == "z" ? session_->undo() : session_->redo();
    message_ = done ? (key == "z" ? "undone" : "redone") : (key == "z" ? "nothing to undo" : "nothing to redo");
    if (done) return after_change();
  } else if (key == "S") {
    return save();
  } else {
    o.handled = false;
  }
  return o;
}

void EditMode::update_surface() {
  surface_dirty_ = false;
  if (!session_ || label_ == 0) return;
  core::LabelVolume only(session_->labels().geometry, 0);
  const auto value = static_cast<std::uint16_t>(label_);
  const auto& voxels = session_->labels().voxels;
  for (std::size_t i = 0; i < voxels.size(); ++i)
    if (voxels[i] == value) only.voxels[i] = value;
  const auto surfaces = build_label_surfaces(only, smoothing_iterations_, pass_band_);
  surface_mapper_->SetInputData(surfaces.mesh);
}

void EditMode::update_circle(const std::array<SliceViewMapping, 3>& views) {
  for (std::size_t v = 0; v < 3; ++v) {
    circle_actors_[v]->SetVisibility(0);
    if (!active_ || !session_ || !brush_mm_ || static_cast<int>(v) != brush_view_) continue;
    const auto& view = views[v];
    double u = 0, w = 0;
    for (std::size_t a = 0; a < 3; ++a) {
      u += view.right[a] * ((*brush_mm_)[a] - view.first_mm[a]);
      w += view.up[a] * ((*brush_mm_)[a] - view.first_mm[a]);
    }
    vtkNew<vtkPoints> points;
    vtkNew<vtkCellArray> lines;
    constexpr int kSegments = 72;
    for (int s = 0; s <= kSegments; ++s) {
      const double t = 2 * core::kPi * s / kSegments;
      points->InsertNextPoint(u + radius_mm_ * std::cos(t), w + radius_mm_ * std::sin(t), 0.6);
    }
    lines->InsertNextCell(kSegments + 1);
    for (vtkIdType s = 0; s <= kSegments; ++s) lines->InsertCellPoint(s);
    circles_[v]->SetPoints(points);
    circles_[v]->SetLines(lines);
    circles_[v]->Modified();
    if (eraser_) circle_actors_[v]->GetProperty()->SetColor(1.0, 0.45, 0.1);
    else circle_actors_[v]->GetProperty()->SetColor(1.0, 1.0, 1.0);
    circle_actors_[v]->SetVisibility(1);
  }
}

void EditMode::update_status() {
  if (!session_) {
    status_ = message_;
    return;
  }
  const auto* c = confidence(label_);
  std::string s = fmt::format("EDIT  {} {:g} mm {}\nactive: {}{}{}\nedits {}   z undo  Z redo  S save  h keys\n",
                              eraser_ ? "eraser" : "brush", radius_mm_, editing::to_string(shape_),
                              label_name(label_), c ? fmt::format("  confidence {:.2f}", c->confidence) : "",
                              flagged(label_) ? "  FLAGGED" : "", session_->edit_count());
  if (!message_.empty()) s += message_ + "\n";
  s += "review list (flagged first; a/A, j):\n";
  const auto at = std::find(order_.begin(), order_.end(), label_);
  const int centre = at == order_.end() ? 0 : static_cast<int>(at - order_.begin());
  const int first = std::clamp(centre - kListLength / 2, 0, std::max(0, static_cast<int>(order_.size()) - kListLength));
  for (int i = first; i < std::min(static_cast<int>(order_.size()), first + kListLength); ++i) {
    const int l = order_[static_cast<std::size_t>(i)];
    const auto* conf = confidence(l);
    s += fmt::format("{}{} {}{}\n", l == label_ ? ">" : " ", flagged(l) ? "!" : " ", label_name(l),
                     conf ? fmt::format("  {:.2f}", conf->confidence) : "");
  }
  status_ = s;
}

void EditMode::update(const std::array<SliceViewMapping, 3>& views) {
  if (active_ && surface_dirty_) update_surface();
  update_circle(views);
  update_status();
  surface_->SetVisibility(active_ && session_ && label_ != 0 ? 1 : 0);
  text_->SetInput(status_.c_str());
  text_->SetVisibility(active_ ? 1 : 0);
}

}  // namespace myo::rendering::detail
