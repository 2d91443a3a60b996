#pragma once
// Two stages of the segmentation exposed on their own, so that they can be used and scored on images whose anatomy
// the hip/thigh atlas does not cover (for example real lower-leg images with expert labels):
//   - the fat-likeness of a single-contrast image (no Dixon), normalised between this patient's muscle and fat;
//   - the refinement: markers grown over the lightly blurred fat-likeness relief, so that the borders between
//     muscles settle on the fat septa of the image (the last stage of segment_muscle_groups).
#include <cstdint>
#include <optional>
#include <vector>

#include "myo/core/volume.hpp"

namespace myo::segmentation {

// How fat appears on a single-contrast image: bright on T1-weighted images, dark on water images (Dixon water alone,
// fat-suppressed series).
enum class FatSignal { bright, dark };

// This patient's muscle and fat signal, found from tissue samples (voxels inside the body) split into two classes
// by Otsu between `lo` and `hi`: muscle is the median of its class; fat the 60th percentile of the bright class
// (T1) or the 40th of the dark class (water image), away from the split.
struct TissueReferences {
  double muscle = 0;
  double fat = 1;
};
[[nodiscard]] TissueReferences tissue_references(std::vector<float> tissue_samples, double lo, double hi,
                                                 FatSignal fat_signal);
// The same, or nothing when either class has fewer than `min_per_class` samples (one slice rather than a volume).
[[nodiscard]] std::optional<TissueReferences> tissue_references_if_both(std::vector<float> tissue_samples, double lo,
                                                                        double hi, FatSignal fat_signal,
                                                                        std::size_t min_per_class);

// 0 at the muscle reference, 1 at the fat reference (clamped), linear in between.
[[nodiscard]] inline float fat_likeness(float signal, const TissueReferences& ref) {
  const double t = (signal - ref.muscle) / (ref.fat - ref.muscle);
  return static_cast<float>(t < 0 ? 0.0 : t > 1 ? 1.0 : t);
}

// Fat-likeness of a single-contrast image inside `body` (1 outside it: nothing there is muscle). On a water image
// fat and air are both dark, so the body mask is what tells them apart; references come from the body's voxels.
// Throws core::MyoError when the grids differ or the body is empty.
[[nodiscard]] core::ImageVolume fat_likeness_single_contrast(const core::ImageVolume& image,
                                                             const core::MaskVolume& body, FatSignal fat_signal);

struct RefinementParams {
  double relief_smoothing_mm = 1.0;  // in-plane Gaussian blur of the fat-likeness (0: none); never across slices
                                     // (recursive filter; a discrete one on grids under 4 voxels along an axis)
  double border_depth_weight = 0.2;  // relief added near a septum: weight x (1 - depth / border_depth_mm), depth
  double border_depth_mm = 8.0;      // in-plane from the nearest fat-like voxel (0 weight: image relief only)
  double muscle_fat_likeness_limit = 0.5;  // blurred fat-likeness below this is muscle, which depth is measured in
};

// The refinement (segment_muscle_groups step 6): a marker-controlled watershed (Meyer flooding) over the relief, which
// is the blurred fat-likeness inside `region`, raised near septa and walls (border_depth_weight), and a wall (2, above
// any fat-likeness) outside it. `markers` holds the
// seeds (any non-zero value, on the same grid); zero voxels are flooded by the seed whose flood reaches them first
// over the lowest relief, so group borders settle on fat septa. Returns the flooded labels of every voxel: a caller
// that wants the outside to compete for the region's edge seeds it (segmentation seeds it as background); one that
// does not leaves it 0, and the outside is then flooded only after the whole region.
// Throws core::MyoError when the grids differ.
[[nodiscard]] core::LabelVolume refine_markers_over_septa(const core::ImageVolume& fat_likeness,
                                                          const core::MaskVolume& region,
                                                          const core::LabelVolume& markers,
                                                          const RefinementParams& params = {});

}  // namespace myo::segmentation
