#pragma once
// Dixon water/fat swaps: regions where the scanner's reconstruction exchanged the water and fat images.
#include <string>
#include <vector>

#include "myo/core/volume.hpp"

namespace myo::quantification {

struct SwapDetectionParams {
  double block_mm = 6.0;  // evidence is gathered and decided on blocks of about this size
  // The probe: unlabelled body voxels this deep below the skin surface (the subcutaneous fat; thick fat reaches the
  // muscle only 20-30 mm in). What else lies there (skin, vessels, unlabelled muscle) is filtered by the vote rule.
  double probe_depth_min_mm = 2.5;
  double probe_depth_max_mm = 20.0;
  // A water-reading probe voxel votes "swapped" only when its total signal W+F (unchanged by a swap) is closer to the
  // fat-reading probe around it than to the lean labelled muscle around it (both pooled over reference_sigma_mm, or
  // 2.5 and 6 times that where too few are near): swapped fat, not the skin or the unlabelled muscle the probe meets
  // where the fat is thin. Below this contrast between fat and muscle (|log| of their W+F ratio) nothing is voted.
  double reference_sigma_mm = 15.0;
  double min_fat_muscle_contrast = 0.05;
  double evidence_sigma_mm = 12.0;  // votes are pooled with a Gaussian of this width (the field map is smooth)
  double swapped_share = 0.7;       // a block is swapped when this share of the pooled votes read "water" ...
  double min_evidence_ml = 0.3;     // ... out of at least this much voting adipose tissue (Gaussian-weighted)
  double min_region_ml = 20.0;      // smaller swapped regions are not corrected (a warning names them)
  // Muscle beside a swapped region that reads as the same muscle does inside it (before correction) is taken into
  // it up to this far, through that muscle only and never where the adipose votes say "not swapped": the blocks
  // place a swap's boundary only roughly, and deep muscle far from the skin has few votes of its own.
  double margin_mm = 30.0;
};

struct SwapRegion {
  double volume_ml = 0;               // body voxels exchanged back
  double muscle_volume_ml = 0;        // of which labelled muscle
  double z_min_mm = 0, z_max_mm = 0;  // extent along the head-foot axis (LPS z)
  std::string side;                   // "right", "left" or "both" (by the body midline)
  bool corrected = true;
};

struct SwapDetection {
  core::MaskVolume swapped;  // 1 where water and fat are exchanged back
  std::vector<SwapRegion> regions;
  std::vector<std::string> notes;  // what could not be decided and was left as it was (for the report's warnings)
};

// Magnitude Dixon cannot tell which of the two species dominates a voxel: |W+F| and |W-F| (in-phase and
// opposed-phase) are the same after a swap, so a swap is found from anatomy that disease does not change. A real
// swap follows the B0 field: it is smooth, crosses tissue boundaries and flips the subcutaneous fat with the muscle
// beside it; fatty replacement stops at the fascia and leaves the subcutaneous fat reading as fat. So only the fat
// under the skin votes (reading water: swapped), votes are pooled smoothly, and a region is swapped where most pooled
// votes say so: every body voxel there is exchanged, muscle, fat and marrow alike. A muscle's own fat fraction never
// starts a region nor extends it into tissue whose own votes say "not swapped". When the evidence is weak (fat and
// muscle of one signal, no lean muscle, a swapped-looking patch too small to be sure), nothing is changed and a note
// says why. Voxels outside `covered` (where the fat series has no data; null: everywhere) are no signal: they never
// vote, count as body or get exchanged.
[[nodiscard]] SwapDetection detect_water_fat_swaps(const core::LabelVolume& labels, const core::ImageVolume& water,
                                                   const core::ImageVolume& fat,
                                                   const SwapDetectionParams& params = {},
                                                   const core::MaskVolume* covered = nullptr);

}  // namespace myo::quantification
