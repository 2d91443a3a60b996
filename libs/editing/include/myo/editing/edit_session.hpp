#pragma once
// An interactive correction of a label map (the viewer's edit mode): the working labels, the edits in effect as an
// edit log, undo and redo. Every change goes through apply_edit (label_edits.hpp), so the log replayed on the same
// starting map gives the working labels exactly.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "myo/core/volume.hpp"
#include "myo/editing/edit_log.hpp"
#include "myo/editing/label_edits.hpp"

namespace myo::editing {

class EditSession {
 public:
  explicit EditSession(core::LabelVolume labels, std::string reader = {});

  [[nodiscard]] const core::LabelVolume& labels() const { return labels_; }
  // Applies one edit, stamped with the reader and the current UTC time, as an action of its own or, between
  // begin_action() and end_action(), as part of the open one (a brush drag: many dabs, undone together). Returns the
  // voxels it changed. A refused edit (core::MyoError) changes nothing.
  std::size_t apply(Edit edit);
  void begin_action();
  void end_action();
  bool undo();  // false when there is nothing to undo
  bool redo();
  [[nodiscard]] bool can_undo() const { return done_ > 0; }
  [[nodiscard]] bool can_redo() const { return done_ < actions_.size(); }
  // The edits in effect, in order: replayed on the starting map (or the map at the last commit) they give labels().
  [[nodiscard]] EditLog log() const;
  [[nodiscard]] std::size_t edit_count() const;
  // The working labels become the new starting map (after a save wrote them as a version); history is cleared.
  void commit();
  // Voxels (linear indices) whose label the last apply, undo or redo changed: what a display must redraw.
  [[nodiscard]] const std::vector<std::size_t>& last_changed() const { return last_changed_; }

 private:
  struct Action {
    std::vector<Edit> edits;
    std::vector<VoxelChange> changes;
  };
  void open_new_action();  // drops what was undone
  core::LabelVolume labels_;
  std::string reader_;
  std::vector<Action> actions_;  // [0, done_) in effect, [done_, size) undone (redo)
  std::size_t done_ = 0;
  bool open_ = false;
  std::vector<std::size_t> last_changed_;
};

// A label of the map with how far its segmentation can be trusted (report.json "single_muscles").
struct LabelConfidence {
  int label = 0;
  double confidence = 0;  // 0..1
  bool flagged = false;
};

// The labels present in `labels` in review order: flagged ones first (lowest confidence first), then the others by
// confidence, then those without a confidence by label value.
[[nodiscard]] std::vector<int> review_order(const core::LabelVolume& labels,
                                            const std::vector<LabelConfidence>& confidence);

// The slice of `label` most likely to need a look: the slice (third axis) whose area departs most from the mean of
// its two neighbours (a segmentation error shows as a jump along the muscle). Returns the label's centroid on that
// slice (LPS mm); none when the label is absent.
[[nodiscard]] std::optional<core::Vec3> worst_slice_point_mm(const core::LabelVolume& labels, int label);

}  // namespace myo::editing
