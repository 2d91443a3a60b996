#pragma once
// A user's own label map (`analyze --labels`), from whatever tool wrote it, brought onto the reference grid.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "myo/core/geometry.hpp"
#include "myo/core/volume.hpp"

namespace myo::pipeline {

// Reads a NIfTI/NRRD label map of any voxel type (core::read_labels). Values are rounded to the nearest integer
// (tools that store labels as floats write 3.0, some 2.99998); a value that is negative, above 65535, not finite or
// further than 0.01 from an integer is an input error naming the file: such a file is an image, not a label map.
// A damaged file (truncated gzip, data shorter than its header says) is an input error naming it too.
[[nodiscard]] core::LabelVolume read_label_map(const std::filesystem::path& file);

// Refuses label values that nobody named (`unknown_values` of the import): their voxels would be dropped from every
// measurement without a word. An input error naming the label file, the values and the table (or its absence).
void refuse_unknown_labels(const std::vector<int>& unknown_values, const std::filesystem::path& file,
                           const std::filesystem::path& table);

struct ConformedLabels {
  core::LabelVolume labels;            // on `grid`, with its exact geometry
  std::optional<std::string> warning;  // set when the labels had to be resampled (names both grids)
};

// A label map on the reference grid within 10^-3 of a voxel (and direction cosines within 10^-4) takes the grid's
// exact geometry: float32 headers (nibabel, ITK-SNAP, ...) shift origins by ~10^-5 mm. Any other grid is resampled
// by nearest neighbour, with a warning naming both grids. Labels that do not reach the reference series at all are
// an input error naming the file.
[[nodiscard]] ConformedLabels conform_labels(core::LabelVolume labels, const core::Geometry& grid,
                                             const std::filesystem::path& file);

}  // namespace myo::pipeline
