#pragma once
// Explicit resampling of an image onto another grid: either the same patient coordinates (no registration), to bring
// series of different resolution/field of view into the reference series' frame, or through a rigid or affine map
// found by registration (another visit).
#include "myo/core/geometry.hpp"
#include "myo/core/volume.hpp"

namespace myo::core {

enum class Interpolation { nearest, linear };

// p' = matrix (p - centre) + centre + translation: a point of the target grid to the resampled image (LPS mm).
struct AffineMap {
  Mat3 matrix{1, 0, 0, 0, 1, 0, 0, 0, 1};  // row-major
  Vec3 centre_mm{0, 0, 0};
  Vec3 translation_mm{0, 0, 0};
};

// Voxels of `target` that fall outside `image` get `outside_value`. A volume already on `target` (same_grid) keeps
// its voxels and takes `target`'s exact geometry.
[[nodiscard]] ImageVolume resample_to(const ImageVolume& image, const Geometry& target,
                                      Interpolation interpolation = Interpolation::linear,
                                      float outside_value = 0.0F);
[[nodiscard]] LabelVolume resample_labels_to(const LabelVolume& labels, const Geometry& target);

// `image` resampled onto `target` through `target_to_image` (always resampled, even on the same grid); voxels mapped
// outside `image` get `outside_value`.
[[nodiscard]] ImageVolume resample_mapped(const ImageVolume& image, const Geometry& target,
                                          const AffineMap& target_to_image, Interpolation interpolation,
                                          float outside_value);

}  // namespace myo::core
