#pragma once
// Which voxels of a reference grid another series covers. One rule for `scan` (grids from the headers) and `analyze`
// (grids of the loaded volumes): a channel is never read where it has no data, and a number is never made from it
// there.
#include <array>
#include <optional>

#include "myo/core/geometry.hpp"
#include "myo/core/volume.hpp"

namespace myo::core {

// A reference voxel is covered when its centre lies within half a voxel of the channel's outermost voxel centres
// along each of the channel's axes (where linear resampling still has data), with `tolerance_voxels` of slack for
// the last digits that float32 headers lose.
inline constexpr double kCoverageToleranceVoxels = 0.01;
[[nodiscard]] MaskVolume covered_voxels(const Geometry& channel, const Geometry& reference,
                                        double tolerance_voxels = kCoverageToleranceVoxels);

// The body lies in the middle of the field of view, and in-plane fields of view of different series differ at their
// margins (air): a channel is judged missing at a reference slice when it does not cover the middle part of it (this
// share of each in-plane axis, centred).
inline constexpr double kCoverageMiddleShare = 0.8;

// How a channel's grid relates to the reference grid as a whole.
struct GridCoverage {
  double covered_pct = 100.0;  // share of the reference grid's voxels the channel covers
  bool same_grid = true;       // the reference grid itself, up to float32 header precision (nothing resampled)
  // Head-foot extent (LPS z of the reference slice centres, mm) of the reference slices whose middle part (see
  // kCoverageMiddleShare) the channel does not wholly cover; null when it covers the middle of every slice.
  std::optional<std::array<double, 2>> uncovered_z_mm;
  [[nodiscard]] bool complete() const { return covered_pct >= 100.0; }  // every voxel covered
  [[nodiscard]] bool misses_middle() const { return uncovered_z_mm.has_value(); }
};
[[nodiscard]] GridCoverage grid_coverage(const Geometry& channel, const Geometry& reference,
                                         double tolerance_voxels = kCoverageToleranceVoxels);

}  // namespace myo::core
