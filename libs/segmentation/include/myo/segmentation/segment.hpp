#pragma once
// Automatic segmentation of the single muscles and muscle groups of the hips and thighs, both sides.
#include <optional>
#include <string>
#include <vector>

#include "myo/core/geometry.hpp"
#include "myo/core/volume.hpp"

namespace myo::segmentation {

class MuscleModel;

// All channels lie on one grid (the reference series'); a null channel is one the protocol lacks.
struct SegmentationInput {
  const core::ImageVolume* water = nullptr;  // Dixon water
  const core::ImageVolume* fat = nullptr;    // Dixon fat
  const core::ImageVolume* t1 = nullptr;     // T1-weighted (used without Dixon)
  const core::ImageVolume* stir = nullptr;   // STIR (used when it is the only series)
};

struct SegmentationParams {
  const MuscleModel* model = nullptr;  // null: the built-in model (myo/segmentation/muscle_model.hpp)
  double max_inference_step_mm = 6.0;  // thinner slices are run through the network at least this far apart;
                                       // the class probabilities of the slices between are interpolated
  bool dixon_both_views = true;        // Dixon: water and fat each through the network, probabilities averaged
  double body_margin_mm = 16.0;        // the network sees the body's bounding box and this much around it
  // A muscle whose confidence is below this is flagged (a report warning). Two views (Dixon water and fat) give
  // lower confidences than one for the same accuracy: each has its limit (training/segmentation/MODEL_CARD.md).
  double flag_confidence_two_views = 0.78;
  double flag_confidence_one_view = 0.86;
  double min_reported_volume_ml = 1.0; // smaller remnants are not reported as a muscle of that side
  unsigned threads = 0;                // 0: the process-wide count (core::set_thread_count)
};

struct Landmarks {
  double midline_x_mm = 0;            // LPS x of the body's midline: patient right below it, left above
  std::optional<double> crotch_z_mm;  // highest level at which the thighs are separate (none: not in the images)
  std::optional<core::Side> single_limb;  // one thigh alone in the images: every label is on this side
};

// How far a muscle's labels can be trusted. Ranks muscles by how likely their Dice against a reference is below 0.7;
// how often the flag catches them, on held-out data: training/segmentation/MODEL_CARD.md.
struct MuscleConfidence {
  std::string muscle;  // catalogue muscle name
  core::Side side = core::Side::right;
  double volume_ml = 0;
  double mean_probability = 0;            // the network's mean probability of this muscle over its voxels
  std::optional<double> view_agreement;   // Dice between the water and fat images' labels (Dixon only)
  double confidence = 0;                  // 0..1, what the flag is decided on
  bool flagged = false;
};

struct SegmentationResult {
  core::LabelVolume labels;         // catalogue group labels, 0 elsewhere
  core::LabelVolume muscle_labels;  // catalogue muscle labels (data/muscle_catalog.json "muscles"), 0 elsewhere
  core::MaskVolume bone;            // 1 = femur where the muscles enclose it, for display only
  Landmarks landmarks;
  std::vector<MuscleConfidence> confidence;
  double confidence_flag_below = 0;  // the limit that applied (one or two views)
  std::string method;                 // the model and how it was applied
  std::vector<std::string> notes;     // what the algorithm assumed or could not find
  std::vector<std::string> warnings;  // what makes these labels doubtful: a reader must see it (report warnings)
};

// Throws core::MyoError when no usable channel is given or the grid is not axial.
[[nodiscard]] SegmentationResult segment_muscle_groups(const SegmentationInput& input,
                                                       const SegmentationParams& params = {});

}  // namespace myo::segmentation
