// The viewer's 3D viewport: the muscle-group surfaces coloured by the metric, bone and skin as context, the cursor,
// the colour bar, the texts and the orientation letters, and the four standard camera views.
#include <vtkCamera.h>
#include <vtkCommand.h>
#include <vtkPointData.h>
#include <vtkProperty.h>
#include <vtkTextProperty.h>
#include <vtkVariant.h>

#include <algorithm>
#include <cmath>

#include "viewer_internal.hpp"

namespace myo::rendering::detail {
using core::Vec3;

void Viewer::build_3d() {
  renderer3d_->SetViewport(0.0, 0.5, 0.5, 1.0);
  renderer3d_->SetBackground(0.09, 0.09, 0.11);
  window_->AddRenderer(renderer3d_);
  surfaces_ = build_label_surfaces(labels_, options_.colours.smoothing_iterations,
                                   options_.colours.smoothing_pass_band, options_.colours.surface_max_voxels);
  add_muscles();
  add_bone();
  add_skin();
  add_cursor();
  add_colour_bar();
  add_3d_texts();
  add_3d_letters();
  set_3d_view(0);
}

void Viewer::add_muscles() {
  coloured_->ShallowCopy(surfaces_.mesh);
  show_coloured_muscles(*muscles_, *muscle_mapper_, coloured_);
  renderer3d_->AddActor(muscles_);
}

// Femur and pelvis: ivory context among the muscles, never coloured by the metric and never picked.
void Viewer::add_bone() {
  if (!input_.bone || !options_.colours.bone_context) return;
  const auto& c = options_.colours;
  if (auto bone = build_bone_surface(*input_.bone, labels_.geometry, c.smoothing_iterations, c.smoothing_pass_band,
                                     c.surface_max_voxels)) {
    show_bone(*bone_, *bone_mapper_, bone);
    renderer3d_->AddActor(bone_);
  }
}

// Skin, faint: from an anatomical series (water or T1), else the first one.
void Viewer::add_skin() {
  const core::ImageVolume* anatomy = input_.series.front().image;
  for (const auto& s : input_.series)
    if (s.name == "water" || s.name == "t1") {
      anatomy = s.image;
      break;
    }
  if (!options_.colours.skin_outline) return;
  if (auto skin = build_skin_surface(*anatomy); skin && skin->GetNumberOfPoints() > 0) {
    skin_mapper_->SetInputData(skin);
    skin_mapper_->ScalarVisibilityOff();
    skin_->SetMapper(skin_mapper_);
    skin_->GetProperty()->SetColor(0.85, 0.85, 0.9);
    skin_->GetProperty()->SetOpacity(0.08);
    skin_->PickableOff();
    renderer3d_->AddActor(skin_);
  }
}

// The cursor as a small sphere, and the picker that finds a muscle under a click.
void Viewer::add_cursor() {
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
}

void Viewer::add_colour_bar() {
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
}

// Title, the picked muscle's numbers, the hint and the key help (hidden until h).
void Viewer::add_3d_texts() {
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
}

// Orientation letters at the edges of the 3D view, recomputed from the camera before every render.
void Viewer::add_3d_letters() {
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

// Every surface point in the colour of its group for the current metric, then the metric's colour bar.
void Viewer::update_surface_colours() {
  coloured_->GetPointData()->AddArray(
      label_point_colours(*surfaces_.mesh, [this](int label) { return label_colour(label); }));
  coloured_->Modified();
  update_colour_bar();
}

void Viewer::update_colour_bar() {
  place(*letters3d_[1], 0.82, 0.5, 2, 1);
  lut_->ResetAnnotations();
  bar_->SetVisibility(1);
  bar_->DrawAnnotationsOff();
  if (metric_ == ViewerMetric::fat_fraction)
    show_value_bar(Metric::fat_fraction);
  else if (metric_ == ViewerMetric::edema_fraction)
    show_value_bar(Metric::edema_fraction);
  else if (change_metric())
    show_change_bar();
  else if (metric_ == ViewerMetric::grade)
    show_grade_bar();
  else
    bar_->SetVisibility(0);
  lut_->Build();
}

// A 256-entry continuous table from `colour(i)`, over low..high.
template <class Colour>
void fill_table(vtkLookupTable& lut, double low, double high, Colour&& colour) {
  lut.IndexedLookupOff();
  lut.SetNumberOfTableValues(256);
  lut.SetTableRange(low, high);
  for (int i = 0; i < 256; ++i) {
    const Rgb c = colour(i);
    lut.SetTableValue(i, c.r / 255.0, c.g / 255.0, c.b / 255.0, 1.0);
  }
}

void Viewer::show_value_bar(Metric m) {
  const auto info = metric_info(m, options_.colours);
  fill_table(*lut_, info.low, info.high, [m](int i) { return colormap(m, i / 255.0); });
  bar_->SetNumberOfLabels(5);
  bar_->SetLabelFormat("%.0f");
  bar_->SetTitle(m == Metric::fat_fraction ? "Fat fraction\n(%, group\nmean)" : "Edema\n(% of group\nvolume)");
}

void Viewer::show_change_bar() {
  const double range = metric_ == ViewerMetric::change_fat ? input_.change->fat_fraction_range_points
                                                           : input_.change->edema_fraction_range_points;
  fill_table(*lut_, -range, range, [](int i) { return diverging(i / 127.5 - 1); });
  bar_->SetNumberOfLabels(5);
  bar_->SetLabelFormat("%+.0f");
  bar_->SetTitle(metric_ == ViewerMetric::change_fat ? "Fat fraction\nchange\n(points)" : "Edema\nchange\n(points)");
}

void Viewer::show_grade_bar() {
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
}

}  // namespace myo::rendering::detail
