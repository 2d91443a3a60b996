// 3D map: smoothed muscle-group surfaces coloured by the group mean of a metric, four orthographic views.
#include <fmt/format.h>
#include <vtkActor.h>
#include <vtkCamera.h>
#include <vtkImageData.h>
#include <vtkNew.h>
#include <vtkPointData.h>
#include <vtkPolyData.h>
#include <vtkPolyDataMapper.h>
#include <vtkProperty.h>
#include <vtkRenderWindow.h>
#include <vtkRenderer.h>
#include <vtkSmartPointer.h>
#include <vtkWindowToImageFilter.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <optional>

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

// The figure's layout in pixels: four panels, the colour bar, the table of values.
struct Layout {
  int pw = 0, ph = 0;  // one panel
  int margin = 16, gap = 10, title_h = 40, view_title_h = 26, footer_h = 28, bar_area = 130, table_w = 290;
  [[nodiscard]] int width() const { return margin + 4 * pw + 3 * gap + bar_area + table_w + margin; }
  [[nodiscard]] int height() const { return title_h + view_title_h + ph + footer_h; }
  [[nodiscard]] int panels_right() const { return margin + 4 * pw + 3 * gap; }
};

// One camera for all four views: the same scale in each, so that sizes compare across panels.
struct Framing {
  std::array<double, 3> centre{};
  double scale = 0, distance = 0;
};

// The surfaces with every point coloured directly from its label's value: no lookup table, no interpolation of
// label values.
vtkSmartPointer<vtkPolyData> coloured_by_value(const LabelSurfaces& surfaces, const std::map<int, double>& values,
                                               Metric metric, const MetricInfo& info) {
  auto coloured = vtkSmartPointer<vtkPolyData>::New();
  coloured->ShallowCopy(surfaces.mesh);
  coloured->GetPointData()->AddArray(label_point_colours(*surfaces.mesh, [&](int label) {
    const auto it = values.find(label);
    return it == values.end() ? kNoData : metric_color(metric, info, it->second);
  }));
  return coloured;
}

// Femur and pelvis (opaque ivory, shaded like the muscles but never coloured by the metric) and the faint skin.
// The renderer keeps the actors alive.
void add_context(vtkRenderer& renderer, vtkPolyData* skin, vtkPolyData* bone) {
  if (bone && bone->GetNumberOfPoints() > 0) {
    vtkNew<vtkPolyDataMapper> bone_mapper;
    vtkNew<vtkActor> bone_actor;
    show_bone(*bone_actor, *bone_mapper, bone);
    renderer.AddActor(bone_actor);
  }
  if (skin && skin->GetNumberOfPoints() > 0) {
    vtkNew<vtkPolyDataMapper> skin_mapper;
    vtkNew<vtkActor> skin_actor;
    skin_mapper->SetInputData(skin);
    skin_mapper->ScalarVisibilityOff();
    skin_actor->SetMapper(skin_mapper);
    skin_actor->GetProperty()->SetColor(0.55, 0.55, 0.6);
    skin_actor->GetProperty()->SetOpacity(0.10);
    skin_actor->GetProperty()->SetAmbient(0.4);
    skin_actor->GetProperty()->SetDiffuse(0.6);
    skin_actor->GetProperty()->SetSpecular(0.0);
    renderer.AddActor(skin_actor);
  }
}

Framing frame_views(vtkPolyData& mesh, const Layout& layout) {
  double b[6];
  mesh.GetBounds(b);
  Framing f;
  f.centre = {(b[0] + b[1]) / 2, (b[2] + b[3]) / 2, (b[4] + b[5]) / 2};
  const std::array<double, 3> extent{b[1] - b[0], b[3] - b[2], b[5] - b[4]};
  const double aspect = static_cast<double>(layout.pw) / layout.ph;
  for (const auto& view : kViews) {
    const auto right = cross3(view.direction_of_projection, kUp);
    const double across = std::abs(right[0]) * extent[0] + std::abs(right[1]) * extent[1];
    f.scale = std::max({f.scale, extent[2] / 2, across / 2 / aspect});
  }
  f.scale *= 1.14;  // room for the orientation letters at the panel edges
  f.distance = std::max({extent[0], extent[1], extent[2]}) * 3 + 100;
  return f;
}

// One view rendered off-screen and brought down to the panel's size.
Canvas render_view(vtkRenderWindow& window, vtkRenderer& renderer, const View& view, const Framing& f, int ss) {
  const auto& dop = view.direction_of_projection;
  auto* camera = renderer.GetActiveCamera();
  camera->SetFocalPoint(f.centre.data());
  camera->SetPosition(f.centre[0] - dop[0] * f.distance, f.centre[1] - dop[1] * f.distance,
                      f.centre[2] - dop[2] * f.distance);
  camera->SetViewUp(kUp.data());
  camera->SetParallelScale(f.scale);
  renderer.ResetCameraClippingRange();
  window.Render();
  vtkNew<vtkWindowToImageFilter> grab;
  grab->SetInput(&window);
  grab->SetInputBufferTypeToRGB();
  grab->ReadFrontBufferOff();
  grab->ShouldRerenderOff();
  grab->Update();
  return Canvas::from_vtk(*grab->GetOutput()).downsampled(ss);
}

// A panel in the figure: the view, its frame and title, and orientation letters from the camera (screen right =
// direction of projection x view up).
void paste_panel(Canvas& canvas, const Canvas& panel, const View& view, int x, int y, const Layout& layout) {
  const int pw = layout.pw, ph = layout.ph;
  canvas.paste(panel, x, y);
  canvas.outline_rect(x - 1, y - 1, pw + 2, ph + 2, {200, 200, 200});
  canvas.text(view.title, x + pw / 2, layout.title_h + 2, {15, kText, true, HAlign::center});
  const auto right = cross3(view.direction_of_projection, kUp);
  const std::string r(1, orientation_letter(right[0], right[1], right[2]));
  const std::string l(1, orientation_letter(-right[0], -right[1], -right[2]));
  const TextStyle letter{18, {40, 40, 40}, true, HAlign::left, VAlign::center};
  canvas.text(l, x + 6, y + ph / 2, letter);
  canvas.text(r, x + pw - 6, y + ph / 2, {18, {40, 40, 40}, true, HAlign::right, VAlign::center});
  canvas.text("S", x + pw / 2, y + 4, {18, {40, 40, 40}, true, HAlign::center, VAlign::top});
  canvas.text("I", x + pw / 2, y + ph - 4, {18, {40, 40, 40}, true, HAlign::center, VAlign::bottom});
}

// One cell of the table: the value on its colour, or a dash on light grey when unmeasured.
void value_cell(Canvas& canvas, int cx, int ty, int cell_w, int row_h, const std::optional<Rgb>& colour,
                double value) {
  if (colour) {
    const Rgb c = *colour;
    canvas.fill_rect(cx, ty + 1, cell_w, row_h - 3, c);
    const double luminance = 0.299 * c.r + 0.587 * c.g + 0.114 * c.b;
    canvas.text(fmt::format("{:.0f}", value), cx + cell_w / 2, ty + row_h / 2 - 1,
                {12, luminance > 140 ? kText : kWhite, true, HAlign::center, VAlign::center});
  } else {
    canvas.fill_rect(cx, ty + 1, cell_w, row_h - 3, {238, 238, 238});
    canvas.text("\u2013", cx + cell_w / 2, ty + row_h / 2 - 1, {12, kText, false, HAlign::center, VAlign::center});
  }
}

// The values behind the colours, per group and side: the surfaces are coloured by value, not by identity.
void draw_value_table(Canvas& canvas, const Layout& layout, const std::vector<int>& present_labels,
                      const std::map<int, double>& values, Metric metric, const MetricInfo& info) {
  const int tx = layout.panels_right() + layout.bar_area, cell_w = 44, row_h = 22;
  int ty = layout.title_h + layout.view_title_h + 10;
  const int name_w = layout.table_w - 2 * cell_w - 8;
  canvas.text("Group", tx, ty, {13, kText, true});
  canvas.text("R", tx + name_w + cell_w / 2, ty, {13, kText, true, HAlign::center});
  canvas.text("L", tx + name_w + cell_w + 4 + cell_w / 2, ty, {13, kText, true, HAlign::center});
  ty += row_h;
  for (const auto& group : core::MuscleCatalog::instance().groups()) {
    const bool present = std::binary_search(present_labels.begin(), present_labels.end(), group.label_right) ||
                         std::binary_search(present_labels.begin(), present_labels.end(), group.label_left);
    if (!present) continue;
    std::string name = group.display_name;  // "Adductors (magnus, longus, brevis)" -> "Adductors"
    if (const auto paren = name.find(" ("); paren != std::string::npos) name.resize(paren);
    canvas.text(name, tx, ty + row_h / 2 - 1, {12, kText, false, HAlign::left, VAlign::center});
    int cx = tx + name_w;
    for (const auto side : {core::Side::right, core::Side::left}) {
      const auto it = values.find(group.label(side));
      const bool measured = it != values.end();
      value_cell(canvas, cx, ty, cell_w, row_h,
                 measured ? std::optional<Rgb>(metric_color(metric, info, it->second)) : std::nullopt,
                 measured ? it->second : 0.0);
      cx += cell_w + 4;
    }
    ty += row_h;
  }
  canvas.text(metric == Metric::fat_fraction     ? "mean fat fraction, %"
              : metric == Metric::edema_fraction ? "edema, % of volume"
                                                 : "Mercuri grade 1-4",
              tx, ty + 4, {11, {90, 90, 90}});
}

void draw_footer(Canvas& canvas, const Layout& layout, const LabelSurfaces& surfaces,
                 const std::map<int, double>& values, Metric metric) {
  std::size_t measured = 0;
  for (const int label : surfaces.labels) measured += values.count(label);
  canvas.text(fmt::format("Colour: {} of each group and side ({} of {} measured; grey = not measured). "
                          "Orthographic views; patient's right is on the left of the anterior view.",
                          metric == Metric::fat_fraction     ? "mean fat fraction"
                          : metric == Metric::edema_fraction ? "edema fraction"
                                                             : "Mercuri grade (fatty replacement)",
                          measured, surfaces.labels.size()),
              layout.margin, layout.height() - layout.footer_h + 6, {12, {80, 80, 80}});
}

}  // namespace

Figure draw_map3d(const FigureInput& input, const LabelSurfaces& surfaces, vtkPolyData* skin, vtkPolyData* bone,
                  Metric metric, const std::filesystem::path& png, const FigureParams& params) {
  require_display();
  route_vtk_output();
  const MetricInfo info = metric_info(metric, params);
  const auto values = metric_by_label(input, metric);
  Layout layout;
  layout.pw = params.map3d_panel_width_px;
  layout.ph = params.map3d_panel_height_px;
  const int ss = std::max(1, params.supersampling);

  vtkNew<vtkRenderWindow> window;
  window->SetOffScreenRendering(1);
  window->SetMultiSamples(0);
  window->SetSize(layout.pw * ss, layout.ph * ss);
  vtkNew<vtkRenderer> renderer;
  renderer->SetBackground(1.0, 1.0, 1.0);
  window->AddRenderer(renderer);
  vtkNew<vtkPolyDataMapper> mapper;
  vtkNew<vtkActor> muscles;
  show_coloured_muscles(*muscles, *mapper, coloured_by_value(surfaces, values, metric, info));
  renderer->AddActor(muscles);
  add_context(*renderer, skin, bone);
  const Framing framing = frame_views(*surfaces.mesh, layout);

  Canvas canvas(layout.width(), layout.height());
  canvas.text(fmt::format("{} of the muscle groups \u2014 3D map ({})", info.title,
                          metric == Metric::mercuri_grade ? "per group and side" : "group means"),
              layout.margin, 10, {20, kText, true});
  Figure figure{"map3d", metric, png, {}, layout.width(), layout.height(), {}};
  renderer->GetActiveCamera()->ParallelProjectionOn();
  for (std::size_t v = 0; v < kViews.size(); ++v) {
    const int x = layout.margin + static_cast<int>(v) * (layout.pw + layout.gap);
    const int y = layout.title_h + layout.view_title_h;
    paste_panel(canvas, render_view(*window, *renderer, kViews[v], framing, ss), kViews[v], x, y, layout);
    figure.panels.push_back({kViews[v].name, x, y, layout.pw, layout.ph});
  }
  const int bar_x = layout.panels_right() + 52, bar_y = layout.title_h + layout.view_title_h + layout.ph / 5;
  draw_colorbar(canvas, bar_x, bar_y, 22, layout.ph * 3 / 5, metric, info);
  draw_value_table(canvas, layout, surfaces.labels, values, metric, info);
  draw_footer(canvas, layout, surfaces, values, metric);
  canvas.write_png(png);
  figure.caption =
      fmt::format("{} per muscle group and side, 3D (anterior, posterior, right and left lateral views).", info.title);
  log::debug("3D map written to {}", png.string());
  return figure;
}

}  // namespace myo::rendering::detail
