#pragma once
// The viewer's edit mode: brush and eraser (2D disc or 3D ball, in mm), give a region to the active label, fill,
// interpolate between edited slices, undo/redo, the review list (flagged muscles first) and save. Every change is an
// edit of libs/editing applied through its EditSession, so what the viewer saves is a replayable edit log (LPS mm).
// VTK here draws only the brush circle on the slice views, the active label's surface in 3D and the status text.
#include <vtkActor.h>
#include <vtkNew.h>
#include <vtkPolyData.h>
#include <vtkPolyDataMapper.h>
#include <vtkRenderer.h>
#include <vtkTextActor.h>

#include <array>
#include <optional>
#include <string>

#include "myo/core/error.hpp"
#include "myo/rendering/slice_mapping.hpp"
#include "myo/rendering/viewer.hpp"

namespace myo::rendering::detail {

class EditMode {
 public:
  // `display` is the viewer's group label map: edits of single muscles show there as their groups.
  EditMode(const ViewerEditing& input, core::LabelVolume& display, int smoothing_iterations, double pass_band);
  void attach(vtkRenderer& renderer3d, const std::array<vtkRenderer*, 3>& slice_renderers);

  // What the viewer does after a key or a mouse action of edit mode.
  struct Outcome {
    bool handled = false;          // the key belongs to edit mode
    std::optional<core::Vec3> move_cursor;  // the slices go there (jump to a flagged muscle's worst slice)
    std::optional<std::vector<quantification::GroupMeasurement>> measurements;  // a save's new numbers
  };
  // Keys while edit mode is on (and `e` always); `mouse_mm` is the point under the mouse on a slice, if any.
  Outcome handle_key(const std::string& key, const std::optional<core::Vec3>& mouse_mm, const core::Vec3& cursor_mm);
  [[nodiscard]] bool active() const { return active_ && session_.has_value(); }
  // Left button on a slice: a brush or eraser stroke, one dab per half radius of mouse travel, undone as one.
  Outcome press(int view, const core::Vec3& at_mm);
  Outcome drag(int view, const core::Vec3& at_mm);
  void release();
  void hover(int view, const core::Vec3& at_mm);  // the brush circle follows the mouse
  // Redraws the circle, the 3D surface of the active label and the status for the current views.
  void update(const std::array<SliceViewMapping, 3>& views);
  [[nodiscard]] const std::string& status() const { return status_; }
  [[nodiscard]] const std::string& saved_text() const { return saved_text_; }
  [[nodiscard]] const std::optional<core::Error>& save_error() const { return save_error_; }
  [[nodiscard]] std::size_t edit_count() const { return session_ ? session_->edit_count() : 0; }
  [[nodiscard]] static const char* key_help();

 private:
  Outcome enter(const core::Vec3& cursor_mm);
  Outcome apply(editing::Edit edit);
  Outcome after_change();
  Outcome select_next(int direction, bool flagged_only);
  Outcome interpolate();
  Outcome save();
  [[nodiscard]] std::string label_name(int label) const;
  [[nodiscard]] const editing::LabelConfidence* confidence(int label) const;
  [[nodiscard]] bool flagged(int label) const;
  void sync_display();
  void update_status();
  void update_surface();
  void update_circle(const std::array<SliceViewMapping, 3>& views);

  const ViewerEditing& input_;
  core::LabelVolume& display_;
  std::vector<std::uint16_t> group_of_;  // label -> the group label it is shown as (see group_label)
  int smoothing_iterations_;
  double pass_band_;
  std::optional<editing::EditSession> session_;
  std::map<int, LabelNumbers> numbers_;
  bool active_ = false;
  std::vector<int> order_;  // labels in review order
  int label_ = 0;           // the active label
  double radius_mm_ = 5;
  editing::BrushShape shape_ = editing::BrushShape::ball;
  bool eraser_ = false;
  std::optional<core::Vec3> brush_mm_;  // last brush position
  int brush_view_ = -1;
  std::optional<core::Vec3> last_dab_mm_;
  std::vector<core::Vec3> edited_slices_mm_;  // centres of the active label's brush strokes, for interpolation
  bool surface_dirty_ = true;
  std::string status_, message_, saved_text_;
  std::optional<core::Error> save_error_;  // the last save's failure

  vtkNew<vtkPolyDataMapper> surface_mapper_;
  vtkNew<vtkActor> surface_;
  vtkNew<vtkTextActor> text_;
  std::array<vtkNew<vtkPolyData>, 3> circles_;
  std::array<vtkNew<vtkPolyDataMapper>, 3> circle_mappers_;
  std::array<vtkNew<vtkActor>, 3> circle_actors_;
};

}  // namespace myo::rendering::detail
