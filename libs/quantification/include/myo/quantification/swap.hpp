#pragma once
// Dixon water/fat swaps: regions where the scanner's reconstruction exchanged the water and fat images.
#include <string>
#include <vector>

#include "myo/core/volume.hpp"

namespace myo::quantification {

struct SwapDetectionParams {
  double block_mm = 6.0;             // decisions are made on blocks of about this size, then refined per voxel
  double evidence_radius_mm = 15.0;  // subcutaneous-fat votes pooled over this many mm around a block
  double probe_depth_min_mm = 2.5;   // the probe layer: body voxels this deep below the skin surface ...
  double probe_depth_max_mm = 6.0;   // ... down to this depth (subcutaneous fat is at least ~3 mm everywhere)
  double swapped_vote = 0.6;         // share of probe voxels reading "water" that marks a block swapped
  double unswapped_vote = 0.4;       // share below which a block is known not to be swapped
  double grow_inverted_share = 0.8;  // a region grows into blocks whose muscle reads fat-dominant in this share of voxels
                                     // (swapped healthy muscle: all of it; moth-eaten fatty muscle: patches)
  double min_region_ml = 20.0;       // smaller swapped regions are ignored (thin fat under the skin at coarse voxels)
};

struct SwapRegion {
  double volume_ml = 0;         // body voxels exchanged back
  double muscle_volume_ml = 0;  // of which labelled muscle
  double z_min_mm = 0, z_max_mm = 0;  // extent along the head-foot axis (LPS z)
  std::string side;             // "right", "left" or "both" (by the body midline)
  bool corrected = true;
};

struct SwapDetection {
  core::MaskVolume swapped;  // 1 where water and fat are exchanged back
  std::vector<SwapRegion> regions;
};

// Magnitude Dixon cannot tell which of the two species dominates a voxel: |W+F| and |W-F| (in-phase and
// opposed-phase) are the same after a swap, so a swap is found from anatomy. The subcutaneous fat just below the skin
// is adipose everywhere around the hips and thighs; where most of it reads as water, the region is swapped. Evidence
// blocks that vote "swapped" seed a region that grows through connected muscle reading fatty (a swapped muscle reads
// ~95 % fat) and stops at blocks whose own subcutaneous fat votes "not swapped". Voxels of muscle on the region's
// border take the hypothesis closer to their muscle's fat fraction away from the border.
// Limitation: muscle that is truly fat-replaced and touches a swapped region is taken into it.
[[nodiscard]] SwapDetection detect_water_fat_swaps(const core::LabelVolume& labels, const core::ImageVolume& water,
                                                   const core::ImageVolume& fat,
                                                   const SwapDetectionParams& params = {});

}  // namespace myo::quantification
