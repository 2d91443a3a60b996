#pragma once
// The metric along the limb: per muscle group and side, one value per slab of the z axis (distal -> proximal).
// Computed from the volumes (labels + FF map / edema mask), independently of the group means of quantification.
#include <optional>
#include <string>
#include <vector>

#include "myo/core/geometry.hpp"
#include "myo/core/volume.hpp"

namespace myo::rendering {

struct LevelRow {
  std::string group;  // catalogue name
  core::Side side = core::Side::right;
  int label = 0;
  std::vector<std::optional<double>> values;  // per slab; nullopt where the group has too few voxels
  std::vector<std::size_t> voxel_counts;      // per slab
};

struct LevelProfiles {
  double slab_mm = 20.0;
  std::vector<double> slab_low_z_mm;  // LPS z of each slab's distal edge, increasing (distal -> proximal)
  std::vector<LevelRow> rows;         // catalogue order, right then left of each group; groups with no voxels omitted
};

// Mean fat fraction (percent) of each group/side in each slab. `min_voxels` guards against noise at the ends.
[[nodiscard]] LevelProfiles fat_fraction_profiles(const core::LabelVolume& labels, const core::ImageVolume& ff_pct,
                                                  double slab_mm = 20.0, std::size_t min_voxels = 20);
// Percent of each group/side's voxels in the edema mask, per slab.
[[nodiscard]] LevelProfiles edema_profiles(const core::LabelVolume& labels, const core::MaskVolume& edema_mask,
                                           double slab_mm = 20.0, std::size_t min_voxels = 20);

}  // namespace myo::rendering
