#pragma once
// An anatomical prior of the muscle groups around the femur, by level.
//
// Why polar: on every axial slice of the thigh, each group keeps its place around the femoral shaft (quadriceps in
// front and laterally, hamstrings behind, adductors and gracilis medially, sartorius crossing from front to medial),
// and at the hip around the femoral head. Angles and levels below come from standard anatomy (origins and insertions),
// expressed relative to the crotch (the highest level at which the thighs are separate), which is visible on every
// protocol. The prior only proposes; the watershed then moves borders onto the fat septa seen in the image.
#include <string>
#include <vector>

namespace myo::segmentation {

struct AtlasPoint {
  double level_mm;           // level relative to the crotch, + superior
  double angle_centre_deg;   // 0 anterior, +90 lateral, +-180 posterior, -90 medial
  double angle_half_width_deg;
};

struct GroupPrior {
  std::string group;
  double level_min_mm;
  double level_max_mm;
  std::vector<AtlasPoint> shape;  // sorted by level; linear interpolation between points, clamped at the ends
  double radius_min = 0.0;        // normalised distance from the femur (1 = compartment radius)
  double radius_max = 10.0;
  bool superficial_strap = false;  // thin superficial muscle: only within strap_depth_mm under the fascia
  double strap_depth_mm = 0;
  // A deep muscle: above `deep_from_level_mm` it lies at least `min_depth_mm` under the fascia (the iliacus on the
  // inner surface of the iliac wing, whereas the abdominal wall muscles are superficial).
  double min_depth_mm = 0;
  double deep_from_level_mm = 1e9;
};

[[nodiscard]] const std::vector<GroupPrior>& hip_thigh_priors();

struct PriorWindow {
  double centre_deg;
  double half_width_deg;
};
[[nodiscard]] PriorWindow window_at(const GroupPrior& prior, double level_mm);

}  // namespace myo::segmentation
