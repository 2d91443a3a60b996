#pragma once
// The anatomy stages shared by segmentation and atlas building: tissue classes, landmarks, the muscle compartment
// of each side and the candidate voxels with their coordinates in the atlas frame (see myo/segmentation/atlas.hpp).
#include <cstdint>
#include <vector>

#include "myo/segmentation/segment.hpp"

namespace myo::segmentation::detail {

struct Candidate {
  std::uint32_t voxel = 0;  // linear index in the reference grid
  std::uint8_t side = 0;    // 0 = patient right, 1 = patient left
  float u = 0;              // lateral, in compartment radii from the femur
  float v = 0;              // anterior, in compartment radii from the femur
};

struct Anatomy {
  SegmentationResult result;  // fat-likeness, body, landmarks and notes; labels still empty
  std::vector<Candidate> candidates;
  std::vector<double> slice_level_mm;  // per slice: height above the perineum
  bool perineum_assumed = false;       // not in the images: the levels count from a guessed perineum
  double rotation_rad = 0;             // in-plane rotation of the body, undone in the frame
};

[[nodiscard]] Anatomy analyse_anatomy(const SegmentationInput& input, const SegmentationParams& params);

}  // namespace myo::segmentation::detail
