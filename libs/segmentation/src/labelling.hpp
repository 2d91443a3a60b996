#pragma once
// From the network's class probabilities to catalogue labels on the reference grid: per voxel the most probable
// muscle (probabilities interpolated in-plane and between inferred slices), its side from the body's midline, one
// connected body per muscle and side, and how confident each muscle is.
#include <cstdint>
#include <string>
#include <vector>

#include "inference.hpp"
#include "myo/core/muscle_catalog.hpp"
#include "myo/segmentation/segment.hpp"

namespace myo::segmentation::detail {

struct VoxelClasses {
  std::vector<std::uint8_t> first;        // most probable class per voxel (0 = background)
  std::vector<std::uint8_t> second;       // the runner-up
  std::vector<std::uint8_t> probability;  // of the first, x 255
};

[[nodiscard]] VoxelClasses classify_voxels(const core::Geometry& g, const NetworkGrid& grid,
                                           const std::vector<SliceProbabilities>& slices, int classes,
                                           unsigned threads);

// Model class index -> catalogue muscle (null for background or a class the catalogue does not know).
[[nodiscard]] std::vector<const core::Muscle*> catalogue_muscles(const std::vector<std::string>& class_names);

// Catalogue muscle labels: each voxel's class on its side of the midline; every muscle and side kept as its largest
// connected part (the rest goes to the runner-up class, or to none), remnants below `min_volume_ml` dropped.
[[nodiscard]] core::LabelVolume muscle_labels(const core::Geometry& g, const VoxelClasses& voxels,
                                              const std::vector<const core::Muscle*>& muscles, double midline_x_mm,
                                              double min_volume_ml);

// Group labels of muscle labels.
[[nodiscard]] core::LabelVolume group_labels(const core::LabelVolume& muscle_labels);

// Per muscle and side: volume, mean probability and, with two views, the Dice between the views' own labels on the
// inferred slices; confidence and flag from them.
[[nodiscard]] std::vector<MuscleConfidence> muscle_confidence(const core::LabelVolume& muscle_labels,
                                                              const VoxelClasses& voxels, const NetworkGrid& grid,
                                                              const std::vector<SliceProbabilities>& slices,
                                                              const std::vector<const core::Muscle*>& muscles,
                                                              double midline_x_mm, double flag_below);

}  // namespace myo::segmentation::detail
