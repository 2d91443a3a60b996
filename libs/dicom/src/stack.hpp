#pragma once
// Turning a set of 2D images into one 3D grid: sort along the slice normal, then check that the result is a real
// regular volume (no gaps, no duplicates, one orientation, one size). Used by scan (to report problems early) and
// by load_series (to refuse a wrong volume).
#include <array>
#include <optional>
#include <string>
#include <vector>

#include "myo/core/geometry.hpp"

namespace myo::dicom::detail {

struct SliceGeometry {
  std::optional<core::Vec3> position;
  std::optional<std::array<double, 6>> orientation;
  std::optional<std::array<double, 2>> pixel_spacing;  // row spacing, column spacing
  int rows = 0;
  int columns = 0;
};

struct StackPlan {
  std::vector<std::size_t> order;  // input indices sorted along the slice normal
  core::Geometry geometry;
  std::vector<std::string> warnings;
  std::vector<std::string> errors;  // any error means no trustworthy volume can be built
  std::size_t distinct_orientations = 0;
};

struct StackOptions {
  double max_warning_deviation = 0.10;      // spacing deviations up to 10 % of the median are a warning
  std::optional<double> fallback_spacing_mm;  // single-slice volumes: slice thickness or spacing between slices
};

[[nodiscard]] StackPlan plan_stack(const std::vector<SliceGeometry>& slices, const StackOptions& options = {});

// Slices that repeat the same positions (time points, repeats, label/control pairs) as several volumes: the slices
// at each position are dealt to volumes 0, 1, ... in `rank` order (their order of acquisition). Each returned
// volume lists its input indices. One volume when no position repeats or positions are unknown; `error` is set
// when positions hold unequal numbers of images (an image missing somewhere).
struct VolumeSplit {
  std::vector<std::vector<std::size_t>> volumes;
  std::string error;
};
[[nodiscard]] VolumeSplit split_into_volumes(const std::vector<SliceGeometry>& slices, const std::vector<std::size_t>& rank);

[[nodiscard]] std::size_t count_orientations(const std::vector<SliceGeometry>& slices);

}  // namespace myo::dicom::detail
