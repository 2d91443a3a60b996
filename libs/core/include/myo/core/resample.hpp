#pragma once
// Explicit resampling of an image onto another grid (same patient coordinates, no registration).
// Used to bring series of different resolution/field of view into the reference series' frame.
#include "myo/core/volume.hpp"

namespace myo::core {

enum class Interpolation { nearest, linear };

// Voxels of `target` that fall outside `image` get `outside_value`. A volume already on `target` (same_grid) keeps
// its voxels and takes `target`'s exact geometry.
[[nodiscard]] ImageVolume resample_to(const ImageVolume& image, const Geometry& target,
                                      Interpolation interpolation = Interpolation::linear,
                                      float outside_value = 0.0F);
[[nodiscard]] LabelVolume resample_labels_to(const LabelVolume& labels, const Geometry& target);

}  // namespace myo::core
