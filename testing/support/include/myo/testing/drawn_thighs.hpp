#pragma once
// Water and fat images of two thighs at mid-thigh level drawn in code, for the segmentation tests: skin/subcutaneous
// fat ring, muscle with one septum, femur (dark cortex around fatty marrow). Only generic behaviour is checked with
// them; accuracy is measured with `myoscope evaluate` on generated studies.
#include <cmath>

#include "myo/core/volume.hpp"

namespace myo::testing {

struct Thighs {
  core::ImageVolume water, fat;
  core::LabelVolume labels;  // quadriceps in front of the septum's level, hamstrings behind, per side
};

inline Thighs draw_thighs(double fat_in_right_muscle) {
  core::Geometry g;
  g.size = {200, 120, 12};
  g.spacing_mm = {2, 2, 5};
  g.origin_mm = {-200, -120, -300};
  Thighs t{core::ImageVolume(g, 0), core::ImageVolume(g, 0), core::LabelVolume(g, 0)};
  for (std::size_t k = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i) {
        const auto p = g.index_to_physical({double(i), double(j), double(k)});
        for (const double cx : {-95.0, 95.0}) {
          const double dx = p[0] - cx, dy = p[1] - 0.0;
          const double r = std::sqrt(dx * dx + dy * dy);
          const double fx = p[0] - cx * 0.95, fy = p[1] + 15;  // femur anterior-medial of the thigh centre
          const double rf = std::sqrt(fx * fx + fy * fy);
          double w = 0, f = 0;
          if (r < 80) { w = 50; f = 900; }                    // subcutaneous fat
          if (r < 68) {                                        // muscle
            const double ff = cx < 0 ? fat_in_right_muscle : 0.04;
            w = 800 * (1 - ff); f = 800 * ff;
            if (std::abs(dy - 20) < 1.5 && dx * (cx < 0 ? -1 : 1) > -30) { w = 60; f = 850; }  // a septum
            else if (rf >= 15) t.labels.at(i, j, k) = static_cast<std::uint16_t>((dy < 20 ? 5 : 9) + (cx < 0 ? 0 : 10));
          }
          if (rf < 15) { w = 5; f = 5; }                       // cortex
          if (rf < 10) { w = 80; f = 800; }                    // marrow
          if (r < 80) {
            t.water.at(i, j, k) = static_cast<float>(w);
            t.fat.at(i, j, k) = static_cast<float>(f);
          }
        }
      }
  return t;
}

}  // namespace myo::testing
