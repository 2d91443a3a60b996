#include "polar_atlas.hpp"

namespace myo::segmentation {

const std::vector<GroupPrior>& hip_thigh_priors() {
  // Typical levels relative to the crotch: lesser trochanter ~ +10 mm, ischial tuberosity ~ +20, femoral head centre
  // ~ +70, acetabular roof ~ +100, anterior superior iliac spine ~ +140, iliac crest ~ +190; gluteal fold ~ -50.
  static const std::vector<GroupPrior> priors = {
      {"gluteus_maximus", -100, 230, {{-100, 175, 45}, {40, 165, 55}, {140, 175, 50}}, 0.35, 10, false},
      {"gluteus_medius", 35, 240, {{35, 105, 40}, {130, 115, 50}, {200, 125, 55}}, 0.0, 10, false},
      {"tensor_fasciae_latae", -110, 150, {{-110, 60, 16}, {40, 52, 18}, {150, 45, 18}}, 0.55, 10, true},
      {"iliopsoas", -15, 240, {{-15, -20, 35}, {70, -25, 40}, {130, -60, 45}, {240, -75, 45}}, 0.0, 0.9, false},
      {"sartorius", -600, 150,
       {{-600, -125, 22}, {-350, -95, 22}, {-200, -50, 22}, {-60, 0, 20}, {60, 20, 18}, {150, 40, 18}},
       0.55, 10, true},
      {"quadriceps", -700, 60, {{-700, 35, 95}, {-60, 35, 95}, {0, 40, 60}, {60, 40, 45}}, 0.0, 10, false},
      {"adductors", -400, 60, {{-400, -115, 35}, {-250, -110, 45}, {-60, -105, 50}, {0, -85, 40}, {60, -75, 30}},
       0.0, 10, false},
      {"gracilis", -700, 30, {{-700, -135, 20}, {-200, -130, 18}, {30, -120, 16}}, 0.55, 10, true},
      {"hamstrings", -700, 45, {{-700, 180, 45}, {-80, 178, 45}, {-20, -165, 32}, {45, -160, 25}}, 0.0, 10, false},
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
