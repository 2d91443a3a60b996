#pragma once
// Edit operations on a label map: pure functions on a label image with its geometry. Positions are patient
// coordinates (LPS mm) and are turned into voxels through the map's own geometry; "slice" is the map's third axis
// (axial on an analysis grid).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "myo/core/volume.hpp"
#include "myo/editing/edit_log.hpp"

namespace myo::editing {

// One voxel's label before and after an edit (linear index into the map).
struct VoxelChange {
  std::size_t index;
  std::uint16_t before, after;
};

// Applies one edit and returns the number of voxels it changed; with `changes`, also appends each change in the order
// it was written. A position outside the map, a fill seed that is not
// background or whose background region reaches the slice's edge (not enclosed), an interpolation whose end slices
// do not hold the label: throws core::MyoError with `subject` and the message (the caller adds the edit's index).
std::size_t apply_edit(core::LabelVolume& labels, const Edit& edit, const std::string& subject,
                       std::vector<VoxelChange>* changes = nullptr);

// Applies every edit in order; an error names `subject` and the index of the edit that failed.
std::size_t apply_edits(core::LabelVolume& labels, const EditLog& log, const std::string& subject);

}  // namespace myo::editing
