#pragma once
// How much a quantitative muscle MRI measure may differ between two scans of an unchanged muscle. `compare` and
// `timeline` flag only changes beyond these limits.
namespace myo::core {

// Repeatability limits (about the 95 % repeatability coefficients reported for quantitative muscle MRI: Dixon
// PDFF ~1-2 points, muscle volume ~5 %, STIR edema extent a few points). A change smaller than these is not flagged.
struct RepeatabilityLimits {
  double fat_fraction_points = 2.0;
  double edema_fraction_points = 5.0;
  double volume_percent = 7.0;
};

}  // namespace myo::core
