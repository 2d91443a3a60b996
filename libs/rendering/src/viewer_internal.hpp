#pragma once
// The viewer's window, shared by its sources: viewer.cpp (set-up, metrics and colours, slice views, frames),
// viewer_scene.cpp (the 3D scene: surfaces, cursor, colour bar, texts) and viewer_input.cpp (keys, mouse, picking,
// scripted actions). Slice images are composed without VTK in slice_compose.cpp; edit mode lives in viewer_edit.cpp.
#include <vtkActor.h>
#include <vtkCallbackCommand.h>
#include <vtkCellPicker.h>
#include <vtkImageActor.h>
#include <vtkImageData.h>
#include <vtkInteractorStyleTrackballCamera.h>
#include <vtkLookupTable.h>
#include <vtkNew.h>
#include <vtkPolyData.h>
#include <vtkPolyDataMapper.h>
#include <vtkRenderWindow.h>
#include <vtkRenderWindowInteractor.h>
#include <vtkRenderer.h>
#include <vtkScalarBarActor.h>
#include <vtkSphereSource.h>
#include <vtkTextActor.h>

#include <array>
#include <chrono>
#include <filesystem>
#include <map>
#include <string>

#include "colormap.hpp"
#include "myo/rendering/slice_mapping.hpp"
#include "myo/rendering/viewer.hpp"
#include "slice_compose.hpp"
#include "surfaces.hpp"
#include "viewer_edit.hpp"

namespace myo::rendering::detail {

inline constexpr Rgb kCursorColour{255, 230, 0};

// Grey window of a series: values low..high shown black..white.
struct SeriesWindow {
  double low = 0, high = 1;
};

// One slice view: a display plane spanned by two LPS axes (radiological convention), through the cursor.
struct SliceView : SliceGrid {
  std::string name;
  vtkNew<vtkRenderer> renderer;
  vtkNew<vtkImageData> image;
  vtkNew<vtkImageActor> actor;
  vtkNew<vtkPolyData> crosshair;
  vtkNew<vtkPolyDataMapper> crosshair_mapper;
  vtkNew<vtkActor> crosshair_actor;
  vtkNew<vtkTextActor> title;
  std::array<vtkNew<vtkTextActor>, 4> letters;  // left, right, top, bottom

  // How display pixels map to LPS through the renderer's camera (clicks, the brush).
  [[nodiscard]] SliceViewMapping mapping(double normal_mm) const;
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
  // The wheel over a slice view scrolls it (zooms with Ctrl); false over the 3D view (its camera zooms).
  [[nodiscard]] bool wheel_on_slice(int steps);
  Viewer* viewer_ = nullptr;
  std::array<int, 2> press_{0, 0};
  bool left_in_slice_ = false;
  bool left_in_3d_ = false;
  bool window_level_ = false;
  int window_level_view_ = -1;
  std::array<double, 2> window_level_start_{0, 1};
};

class Viewer {
 public:
  Viewer(const ViewerInput& input, const ViewerOptions& options, bool offscreen);

  void refresh();  // recompute what changed and render
  void render();
  ViewerFrame frame() const;
  void write_png(const std::filesystem::path& png);
  void start();  // event loop

  // Handlers shared by the mouse, the keyboard and the scripted options (viewer_input.cpp).
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
  // Set-up (viewer.cpp).
  void measure_extent();
  void find_centroids();
  void choose_metric_and_series();
  void reset_windows();
  void set_up_window(bool offscreen);
  // The 3D scene (viewer_scene.cpp).
  void build_3d();
  void add_muscles();
  void add_bone();
  void add_skin();
  void add_cursor();
  void add_colour_bar();
  void add_3d_texts();
  void add_3d_letters();
  void update_surface_colours();
  void update_colour_bar();
  void show_value_bar(Metric metric);
  void show_change_bar();
  void show_grade_bar();
  void update_3d_letters();
  void set_3d_view(int which);
  // The slice views (viewer.cpp).
  void build_slice_views();
  void build_slice_view(SliceView& view, const std::array<double, 4>& viewport);
  void reset_views();
  void update_slice(SliceView& view);
  void update_crosshair(SliceView& view);
  [[nodiscard]] SliceSources slice_sources() const;
  void update_texts();
  // Picking and editing (viewer_input.cpp).
  void set_cursor(const core::Vec3& p);
  [[nodiscard]] core::Vec3 slice_point(int view, int display_x, int display_y) const;
  [[nodiscard]] std::array<SliceViewMapping, 3> mappings() const;
  void apply(const EditMode::Outcome& outcome);
  void pick_label(int label, const core::Vec3& at);
  [[nodiscard]] std::string voxel_text(const core::Vec3& at) const;
  [[nodiscard]] core::Vec3 interior_voxel_near(int label, const core::Vec3& centroid) const;
  void click_on_axial(const core::Vec3& target);
  void next_metric(int direction);
  [[nodiscard]] bool handle_display_key(const std::string& key);  // false: not a key of ours
  void save_screenshot();
  // Metrics and colours (viewer.cpp).
  [[nodiscard]] bool metric_available(ViewerMetric metric) const;
  [[nodiscard]] Rgb label_colour(int label) const;  // 3D and overlay colour of a group for the current metric
  [[nodiscard]] std::optional<Rgb> group_colour(int label) const;
  [[nodiscard]] const quantification::GroupMeasurement* measurement(int label) const;
  [[nodiscard]] const ViewerGroupChange* change_of(int label) const;
  [[nodiscard]] std::optional<Rgb> change_colour_of(int label) const;
  [[nodiscard]] std::string change_pick_text(int label) const;
  [[nodiscard]] bool change_metric() const {
    return metric_ == ViewerMetric::change_fat || metric_ == ViewerMetric::change_edema;
  }
  [[nodiscard]] const ViewerSeries& current_series() const { return input_.series[series_index_]; }
  [[nodiscard]] std::size_t default_series(ViewerMetric metric) const;

  const ViewerInput& input_;
  ViewerOptions options_;
  core::LabelVolume labels_;  // shown (groups); edit mode changes it with the map it edits
  std::vector<quantification::GroupMeasurement> measurements_;  // a save replaces them with the new version's
  EditMode edit_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  double first_frame_seconds_ = 0;

  ViewerMetric metric_ = ViewerMetric::fat_fraction;
  std::size_t series_index_ = 0;
  double opacity_ = 0.5;
  bool outlines_ = true;
  bool help_ = false;
  core::Vec3 cursor_{0, 0, 0};
  core::Vec3 extent_low_{}, extent_high_{};  // the volume
  core::Vec3 labels_low_{}, labels_high_{};  // the labelled voxels
  core::Vec3 step_mm_{1, 1, 1};
  std::map<std::string, SeriesWindow> windows_;  // per series
  std::string pick_text_;
  int screenshot_count_ = 0;
  std::map<int, std::array<double, 3>> centroids_;

  vtkNew<vtkRenderWindow> window_;
  vtkNew<vtkRenderWindowInteractor> interactor_;
  vtkNew<ViewerStyle> style_;
  vtkNew<vtkRenderer> renderer3d_;
  LabelSurfaces surfaces_;
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

// Text of the viewer's overlays: size in points, colour, bold, with a shadow.
void set_text_style(vtkTextActor& actor, int size, const Rgb& colour, bool bold = false);
// A text actor anchored in normalised viewport coordinates; justification 0 left/bottom, 1 centre, 2 right/top.
void place(vtkTextActor& actor, double x, double y, int h, int v);
// The orientation letter of an LPS direction, and the opposite direction.
[[nodiscard]] std::string letter(const core::Vec3& v);
[[nodiscard]] core::Vec3 neg(const core::Vec3& v);
// Mercuri grade 1 (normal) .. 4 (end stage): the figures' categorical colours.
[[nodiscard]] Rgb grade_colour(int grade);

// The options' pick, keys and actions replayed through the style, as a user would (viewer_input.cpp).
void apply_options(Viewer& viewer, const ViewerOptions& options);

}  // namespace myo::rendering::detail
