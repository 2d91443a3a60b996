#pragma once
// Receive-coil bias correction (N4, Tustison 2010) of one image, estimated on a shrunk copy for speed.
#include <cstddef>

#include "myo/core/volume.hpp"

namespace myo::quantification {

struct BiasCorrectionParams {
  double shrunk_voxel_mm = 10.0;     // N4 runs on the image shrunk (integer factors) to about this voxel size
  unsigned fitting_levels = 3;       // B-spline refinements, each halving the control-point spacing
  unsigned iterations_per_level = 30;
  double spline_distance_mm = 200.0;  // control-point spacing at the first level: only slow coil fields are removed
  double convergence_threshold = 0.001;
};

struct BiasCorrection {
  core::ImageVolume corrected;  // image / bias, on the image's grid
  core::ImageVolume bias;       // multiplicative field, mean 1 over the mask
  std::array<std::size_t, 3> shrunk_size{};
  double seconds = 0;
};

// `mask` (same grid, non-zero = tissue that should be uniform) selects the voxels N4 fits the field to.
[[nodiscard]] BiasCorrection correct_bias_field(const core::ImageVolume& image, const core::MaskVolume& mask,
                                                const BiasCorrectionParams& params = {});

}  // namespace myo::quantification
