#pragma once
// Rigid registration of two visits of one patient (ITK inside; volumes and transforms outside), so that voxel maps of
// the previous visit can be compared with the current one. Positions are LPS millimetres throughout.
#include <array>

#include "myo/core/geometry.hpp"
#include "myo/core/volume.hpp"

namespace myo::quantification {

// p' = R (p - centre) + centre + translation: a point of the fixed (current) image to the moving (previous) one.
struct RigidTransform {
  core::Mat3 rotation{1, 0, 0, 0, 1, 0, 0, 0, 1};  // row-major
  core::Vec3 centre_mm{0, 0, 0};
  core::Vec3 translation_mm{0, 0, 0};
  [[nodiscard]] core::Vec3 apply(const core::Vec3& point_mm) const;
  [[nodiscard]] double rotation_deg() const;  // angle of the rotation about its axis
};

// Multi-resolution Mattes mutual information with a gradient descent over Euler angles and translation; a patient
// lying differently on the table moves by centimetres and turns by a few degrees, which the coarsest level covers.
struct RigidRegistrationParams {
  double working_spacing_mm = 3.0;  // finer images are resampled to this first (speed; sub-voxel accuracy remains)
  std::array<unsigned, 3> shrink_factors{4, 2, 1};
  std::array<double, 3> smoothing_sigmas_mm{4.0, 2.0, 0.0};
  unsigned iterations_per_level = 80;
  double initial_step_mm = 4.0;  // regular-step gradient descent: the first step, halved at each turn
  double final_step_mm = 0.05;   // ... down to this
  unsigned histogram_bins = 32;
  double sampling_fraction = 0.02;  // of the voxels at each level, drawn at random with `seed`
  unsigned seed = 1;
  double max_translation_mm = 100;  // a larger result is not a repositioned patient: refused
  double max_rotation_deg = 20;
};

struct RigidRegistration {
  RigidTransform fixed_to_moving;
  double final_metric = 0;  // Mattes MI as ITK minimises it (more negative is better)
  double seconds = 0;
};

// Registers `moving` onto `fixed`. Throws core::MyoError (subject "registration") when ITK fails or the result is
// beyond the limits of a repositioned patient.
[[nodiscard]] RigidRegistration register_rigid(const core::ImageVolume& fixed, const core::ImageVolume& moving,
                                               const RigidRegistrationParams& params = {});

// `moving` resampled (trilinear, in physical space) onto `target` through `fixed_to_moving`; voxels mapped outside
// `moving` get `outside_value`.
[[nodiscard]] core::ImageVolume resample_rigid(const core::ImageVolume& moving, const RigidTransform& fixed_to_moving,
                                               const core::Geometry& target, float outside_value);

}  // namespace myo::quantification
