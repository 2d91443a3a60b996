#pragma once
// How much of each muscle a channel covers, and the rule for when a number is made from a partly covered channel.
#include <array>
#include <cstddef>
#include <optional>
#include <vector>

#include "myo/core/volume.hpp"

namespace myo::quantification {

// A number of a muscle needs its channel to cover at least this share of the muscle's voxels (percent).
inline constexpr double kMinCoveredPct = 90.0;

// Whether voxel `i` has data in a channel covering `covered` (null: everywhere).
[[nodiscard]] inline bool has_data(const core::MaskVolume* covered, std::size_t i) {
  return covered == nullptr || covered->voxels[i] != 0;
}

// Where the fat-fraction map and the edema mask have data (null: everywhere), and how much of a label they must
// cover for a number of it: a mean over 60 % of a muscle is the mean of another muscle.
struct MapCoverage {
  const core::MaskVolume* fat_fraction = nullptr;
  const core::MaskVolume* edema = nullptr;
  double min_covered_pct = kMinCoveredPct;
};

// The one rule for a number from a partly covered channel: at least `min_covered_pct` of the label's voxels covered.
[[nodiscard]] inline bool covers_enough(std::size_t covered, std::size_t all, double min_covered_pct) {
  return 100.0 * static_cast<double>(covered) >= min_covered_pct * static_cast<double>(all);
}

// How much of each label a channel misses: the uncovered share and the head-foot levels (LPS z, mm) it lies at.
struct LabelCoverage {
  int value = 0;
  std::size_t voxel_count = 0;
  std::size_t uncovered_count = 0;
  std::optional<std::array<double, 2>> uncovered_z_mm;  // null when every voxel is covered
  [[nodiscard]] double uncovered_pct() const {
    return voxel_count ? 100.0 * static_cast<double>(uncovered_count) / static_cast<double>(voxel_count) : 0.0;
  }
  [[nodiscard]] bool enough(double min_covered_pct) const {
    return covers_enough(voxel_count - uncovered_count, voxel_count, min_covered_pct);
  }
};
// Every label value present, in increasing order. `covered` is on the labels' grid.
[[nodiscard]] std::vector<LabelCoverage> label_coverage(const core::LabelVolume& labels, const core::MaskVolume& covered);

}  // namespace myo::quantification
