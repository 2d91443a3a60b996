#include "polar_atlas.hpp"

namespace myo::segmentation {

const std::vector<GroupPrior>& hip_thigh_priors() {
  // Typical levels relative to the crotch: lesser trochanter ~ +10 mm, ischial tuberosity ~ +20, femoral head centre
  // ~ +70, acetabular roof ~ +100, anterior superior iliac spine ~ +140, iliac crest ~ +190; gluteal fold ~ -50.
  // Levels are relative to the perineum (the highest level where the midline runs between the thighs rather than
  // through the pelvis), 60-100 mm below the femoral-head centres. Lesser trochanter ~ +20 mm, ischial tuberosity
  // ~ +30, femoral head ~ +75, acetabular roof ~ +105, anterior superior iliac spine ~ +155, iliac crest ~ +205;
  // gluteal fold ~ -25.
  static const std::vector<GroupPrior> priors = {
      {"gluteus_maximus", -85, 275, {{-85, 178, 40}, {45, 170, 50}, {145, 165, 55}, {245, 170, 50}}, 0.35, 10, false, 0},
      {"gluteus_medius", 55, 285, {{55, 100, 35}, {125, 105, 45}, {205, 115, 55}}, 0.0, 10, false, 0},
      {"tensor_fasciae_latae", -95, 165, {{-95, 70, 14}, {45, 58, 16}, {165, 45, 18}}, 0.0, 10, true, 20},
      {"iliopsoas", 5, 285, {{5, -25, 30}, {75, -15, 40}, {145, -45, 50}, {285, -70, 50}}, 0.0, 10, false, 0, 15, 110},
      {"sartorius", -555, 165,
       {{-555, -120, 14}, {-305, -90, 14}, {-155, -55, 14}, {-35, -15, 14}, {45, 15, 16}, {165, 40, 16}},
       0.0, 10, true, 18},
      // Quadriceps wraps the femur from the lateral intermuscular septum (~+130) to the medial one (~-105).
      {"quadriceps", -655, 85, {{-655, 15, 125}, {-100, 15, 122}, {-35, 25, 100}, {45, 40, 70}, {85, 50, 45}}, 0.0, 10, false, 0},
      // Adductors: posteromedial beyond the medial septum in the thigh, anteromedial (longus, brevis) near the pubis.
      {"adductors", -375, 85, {{-375, -125, 26}, {-205, -125, 30}, {-100, -122, 38}, {-35, -105, 55}, {45, -80, 45}, {85, -60, 30}},
       0.0, 10, false, 0},
      {"gracilis", -655, 65, {{-655, -128, 12}, {-155, -122, 12}, {65, -100, 14}}, 0.0, 10, true, 16},
      {"hamstrings", -655, 85, {{-655, 185, 48}, {-55, 182, 50}, {15, -170, 35}, {85, -160, 25}}, 0.0, 10, false, 0},
  };
  return priors;
}

PriorWindow window_at(const GroupPrior& prior, double level_mm) {
  const auto& s = prior.shape;
  if (level_mm <= s.front().level_mm) return {s.front().angle_centre_deg, s.front().angle_half_width_deg};
  if (level_mm >= s.back().level_mm) return {s.back().angle_centre_deg, s.back().angle_half_width_deg};
  for (std::size_t i = 1; i < s.size(); ++i) {
    if (level_mm <= s[i].level_mm) {
      const double t = (level_mm - s[i - 1].level_mm) / (s[i].level_mm - s[i - 1].level_mm);
      // Interpolate angles along the short arc (hamstrings cross +-180).
      double a0 = s[i - 1].angle_centre_deg;
      double a1 = s[i].angle_centre_deg;
      if (a1 - a0 > 180) a1 -= 360;
      if (a0 - a1 > 180) a1 += 360;
      return {a0 + t * (a1 - a0),
              s[i - 1].angle_half_width_deg + t * (s[i].angle_half_width_deg - s[i - 1].angle_half_width_deg)};
    }
  }
  return {s.back().angle_centre_deg, s.back().angle_half_width_deg};
}

}  // namespace myo::segmentation
