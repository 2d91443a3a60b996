// 3D map: smoothed muscle-group surfaces coloured by the group mean of a metric, four orthographic views.
#include <fmt/format.h>
#include <vtkActor.h>
#include <vtkCamera.h>
#include <vtkImageData.h>
#include <vtkIntArray.h>
#include <vtkNew.h>
#include <vtkPointData.h>
#include <vtkPolyData.h>
#include <vtkPolyDataMapper.h>
#include <vtkProperty.h>
#include <vtkRenderWindow.h>
#include <vtkRenderer.h>
#include <vtkUnsignedCharArray.h>
#include <vtkWindowToImageFilter.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "canvas.hpp"
#include "figures_internal.hpp"
#include "myo/core/error.hpp"
#include "myo/core/log.hpp"
#include "myo/core/muscle_catalog.hpp"

namespace myo::rendering::detail {
namespace {

struct View {
  const char* name;
  const char* title;
  std::array<double, 3> direction_of_projection;  // from the camera towards the patient, LPS
};

// LPS: +x patient left, +y posterior, +z superior. Anterior view: camera in front of the patient (at -y) looking +y.
constexpr std::array<View, 4> kViews{{{"anterior", "Anterior", {0, 1, 0}},
                                      {"posterior", "Posterior", {0, -1, 0}},
                                      {"right_lateral", "Right lateral", {1, 0, 0}},
                                      {"left_lateral", "Left lateral", {-1, 0, 0}}}};
constexpr std::array<double, 3> kUp{0, 0, 1};

std::array<double, 3> cross3(const std::array<double, 3>& a, const std::array<double, 3>& b) {
  return {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
}

}  // namespace

Figure draw_map3d(const FigureInput& input, const LabelSurfaces& surfaces, vtkPolyData* skin, vtkPolyData* bone,
                  Metric metric, const std::filesystem::path& png, const FigureParams& params) {
  require_display();
  route_vtk_output();
  const MetricInfo info = metric_info(metric, params);
  const auto values = metric_by_label(input, metric);
  const int pw = params.map3d_panel_width_px, ph = params.map3d_panel_height_px;
  const int ss = std::max(1, params.supersampling);

  // Colour every point directly from its label: no lookup table, no interpolation of label values.
  vtkNew<vtkPolyData> coloured;
  coloured->ShallowCopy(surfaces.mesh);
  vtkNew<vtkUnsignedCharArray> rgb;
  rgb->SetName("rgb");
  rgb->SetNumberOfComponents(3);
  auto* labels = vtkIntArray::SafeDownCast(surfaces.mesh->GetPointData()->GetArray("label"));
  const vtkIdType n_points = surfaces.mesh->GetNumberOfPoints();
  rgb->SetNumberOfTuples(n_points);
  for (vtkIdType p = 0; p < n_points; ++p) {
    const auto it = labels ? values.find(labels->GetValue(p)) : values.end();
    const Rgb c = it == values.end() ? kNoData : metric_color(metric, info, it->second);
    rgb->SetTypedTuple(p, std::array<unsigned char, 3>{c.r, c.g, c.b}.data());
  }
  coloured->GetPointData()->AddArray(rgb);

  vtkNew<vtkRenderWindow> window;
  window->SetOffScreenRendering(1);
  window->SetMultiSamples(0);
  window->SetSize(pw * ss, ph * ss);
  vtkNew<vtkRenderer> renderer;
  renderer->SetBackground(1.0, 1.0, 1.0);
  window->AddRenderer(renderer);

  vtkNew<vtkPolyDataMapper> mapper;
  mapper->SetInputData(coloured);
  mapper->ScalarVisibilityOn();
  mapper->SetScalarModeToUsePointFieldData();
  mapper->SelectColorArray("rgb");
  mapper->SetColorModeToDirectScalars();
  vtkNew<vtkActor> muscles;
  muscles->SetMapper(mapper);
  muscles->GetProperty()->SetAmbient(0.25);
  muscles->GetProperty()->SetDiffuse(0.75);
  muscles->GetProperty()->SetSpecular(0.12);
  muscles->GetProperty()->SetSpecularPower(25);
  renderer->AddActor(muscles);

  // Femur and pelvis: opaque ivory among the muscles, shaded like them but never coloured by the metric.
  vtkNew<vtkPolyDataMapper> bone_mapper;
  vtkNew<vtkActor> bone_actor;
  if (bone && bone->GetNumberOfPoints() > 0) {
    bone_mapper->SetInputData(bone);
    bone_mapper->ScalarVisibilityOff();
    bone_actor->SetMapper(bone_mapper);
    bone_actor->GetProperty()->SetColor(kBoneColour[0], kBoneColour[1], kBoneColour[2]);
    bone_actor->GetProperty()->SetAmbient(0.3);
    bone_actor->GetProperty()->SetDiffuse(0.7);
    bone_actor->GetProperty()->SetSpecular(0.05);
    renderer->AddActor(bone_actor);
  }

  vtkNew<vtkPolyDataMapper> skin_mapper;
  vtkNew<vtkActor> skin_actor;
  if (skin && skin->GetNumberOfPoints() > 0) {
    skin_mapper->SetInputData(skin);
    skin_mapper->ScalarVisibilityOff();
    skin_actor->SetMapper(skin_mapper);
    skin_actor->GetProperty()->SetColor(0.55, 0.55, 0.6);
    skin_actor->GetProperty()->SetOpacity(0.10);
    skin_actor->GetProperty()->SetAmbient(0.4);
    skin_actor->GetProperty()->SetDiffuse(0.6);
    skin_actor->GetProperty()->SetSpecular(0.0);
    renderer->AddActor(skin_actor);
  }

  double b[6];
  surfaces.mesh->GetBounds(b);
  const std::array<double, 3> centre{(b[0] + b[1]) / 2, (b[2] + b[3]) / 2, (b[4] + b[5]) / 2};
  const std::array<double, 3> extent{b[1] - b[0], b[3] - b[2], b[5] - b[4]};
  const double aspect = static_cast<double>(pw) / ph;
  double scale = 0;
  for (const auto& view : kViews) {
    const auto right = cross3(view.direction_of_projection, kUp);
    const double across = std::abs(right[0]) * extent[0] + std::abs(right[1]) * extent[1];
    scale = std::max({scale, extent[2] / 2, across / 2 / aspect});
  }
  scale *= 1.14;  // room for the orientation letters at the panel edges
  const double distance = std::max({extent[0], extent[1], extent[2]}) * 3 + 100;

  // Layout (pixels).
  const int margin = 16, gap = 10, title_h = 40, view_title_h = 26, footer_h = 28, bar_area = 130, table_w = 290;
  const int width = margin + 4 * pw + 3 * gap + bar_area + table_w + margin;
  const int height = title_h + view_title_h + ph + footer_h;
  Canvas canvas(width, height);
  canvas.text(fmt::format("{} of the muscle groups \u2014 3D map ({})", info.title,
                          metric == Metric::mercuri_grade ? "per group and side" : "group means"),
              margin, 10, {20, kText, true});

  Figure figure;
  figure.kind = "map3d";
  figure.metric = metric;
  figure.path = png;
  figure.width_px = width;
  figure.height_px = height;

  auto* camera = renderer->GetActiveCamera();
  camera->ParallelProjectionOn();
  for (std::size_t v = 0; v < kViews.size(); ++v) {
    const auto& view = kViews[v];
    const auto& dop = view.direction_of_projection;
    camera->SetFocalPoint(centre.data());
    camera->SetPosition(centre[0] - dop[0] * distance, centre[1] - dop[1] * distance, centre[2] - dop[2] * distance);
    camera->SetViewUp(kUp.data());
    camera->SetParallelScale(scale);
    renderer->ResetCameraClippingRange();
    window->Render();
    vtkNew<vtkWindowToImageFilter> grab;
    grab->SetInput(window);
    grab->SetInputBufferTypeToRGB();
    grab->ReadFrontBufferOff();
    grab->ShouldRerenderOff();
    grab->Update();
    const Canvas panel = Canvas::from_vtk(*grab->GetOutput()).downsampled(ss);

    const int x = margin + static_cast<int>(v) * (pw + gap);
    const int y = title_h + view_title_h;
    canvas.paste(panel, x, y);
    canvas.outline_rect(x - 1, y - 1, pw + 2, ph + 2, {200, 200, 200});
    canvas.text(view.title, x + pw / 2, title_h + 2, {15, kText, true, HAlign::center});
    // Orientation letters from the camera: screen right = direction of projection x view up.
    const auto right = cross3(dop, kUp);
    const std::string r(1, orientation_letter(right[0], right[1], right[2]));
    const std::string l(1, orientation_letter(-right[0], -right[1], -right[2]));
    const TextStyle letter{18, {40, 40, 40}, true, HAlign::left, VAlign::center};
    canvas.text(l, x + 6, y + ph / 2, letter);
    canvas.text(r, x + pw - 6, y + ph / 2, {18, {40, 40, 40}, true, HAlign::right, VAlign::center});
    canvas.text("S", x + pw / 2, y + 4, {18, {40, 40, 40}, true, HAlign::center, VAlign::top});
    canvas.text("I", x + pw / 2, y + ph - 4, {18, {40, 40, 40}, true, HAlign::center, VAlign::bottom});
    figure.panels.push_back({view.name, x, y, pw, ph});
  }

  const int bar_x = margin + 4 * pw + 3 * gap + 52, bar_y = title_h + view_title_h + ph / 5;
  draw_colorbar(canvas, bar_x, bar_y, 22, ph * 3 / 5, metric, info);

  // The values behind the colours, per group and side: the surfaces are coloured by value, not by identity.
  {
    const int tx = margin + 4 * pw + 3 * gap + bar_area, cell_w = 44, row_h = 22;
    int ty = title_h + view_title_h + 10;
    const int name_w = table_w - 2 * cell_w - 8;
    canvas.text("Group", tx, ty, {13, kText, true});
    canvas.text("R", tx + name_w + cell_w / 2, ty, {13, kText, true, HAlign::center});
    canvas.text("L", tx + name_w + cell_w + 4 + cell_w / 2, ty, {13, kText, true, HAlign::center});
    ty += row_h;
    const auto& catalog = core::MuscleCatalog::instance();
    for (const auto& group : catalog.groups()) {
      const bool present = std::binary_search(surfaces.labels.begin(), surfaces.labels.end(), group.label_right) ||
                           std::binary_search(surfaces.labels.begin(), surfaces.labels.end(), group.label_left);
      if (!present) continue;
      std::string name = group.display_name;  // "Adductors (magnus, longus, brevis)" -> "Adductors"
      if (const auto paren = name.find(" ("); paren != std::string::npos) name.resize(paren);
      canvas.text(name, tx, ty + row_h / 2 - 1, {12, kText, false, HAlign::left, VAlign::center});
      int cx = tx + name_w;
      for (const auto side : {core::Side::right, core::Side::left}) {
        const auto it = values.find(group.label(side));
        if (it != values.end()) {
          const Rgb c = metric_color(metric, info, it->second);
          canvas.fill_rect(cx, ty + 1, cell_w, row_h - 3, c);
          const double luminance = 0.299 * c.r + 0.587 * c.g + 0.114 * c.b;
          canvas.text(fmt::format("{:.0f}", it->second), cx + cell_w / 2, ty + row_h / 2 - 1,
                      {12, luminance > 140 ? kText : kWhite, true, HAlign::center, VAlign::center});
        } else {
          canvas.fill_rect(cx, ty + 1, cell_w, row_h - 3, {238, 238, 238});
          canvas.text("\u2013", cx + cell_w / 2, ty + row_h / 2 - 1,
                      {12, kText, false, HAlign::center, VAlign::center});
        }
        cx += cell_w + 4;
      }
      ty += row_h;
    }
    canvas.text(metric == Metric::fat_fraction     ? "mean fat fraction, %"
                : metric == Metric::edema_fraction ? "edema, % of volume"
                                                   : "Mercuri grade 1-4",
                tx, ty + 4, {11, {90, 90, 90}});
  }
  std::size_t measured = 0;
  for (const int label : surfaces.labels) measured += values.count(label);
  canvas.text(fmt::format("Colour: {} of each group and side ({} of {} measured; grey = not measured). "
                          "Orthographic views; patient's right is on the left of the anterior view.",
                          metric == Metric::fat_fraction     ? "mean fat fraction"
                          : metric == Metric::edema_fraction ? "edema fraction"
                                                             : "Mercuri grade (fatty replacement)",
                          measured, surfaces.labels.size()),
              margin, height - footer_h + 6, {12, {80, 80, 80}});
  canvas.write_png(png);
  figure.caption =
      fmt::format("{} per muscle group and side, 3D (anterior, posterior, right and left lateral views).", info.title);
  log::debug("3D map written to {}", png.string());
  return figure;
}

}  // namespace myo::rendering::detail
