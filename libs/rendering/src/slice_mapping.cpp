#include "myo/rendering/slice_mapping.hpp"

#include <algorithm>

namespace myo::rendering {

// As VTK's DisplayToView and the inverse of a parallel projection: view coordinates run from -1 to 1 across the
// viewport, one unit being half_height_mm vertically and half_height_mm * aspect horizontally.
core::Vec3 display_to_lps(const SliceViewMapping& view, double display_x, double display_y) {
  const auto& vp = view.viewport_px;
  const double aspect = vp[2] / std::max(1.0, vp[3]);
  const double vx = 2 * (display_x - vp[0]) / std::max(1.0, vp[2]) - 1;
  const double vy = 2 * (display_y - vp[1]) / std::max(1.0, vp[3]) - 1;
  const double u_mm = view.focal_mm[0] + vx * view.half_height_mm * aspect;
  const double v_mm = view.focal_mm[1] + vy * view.half_height_mm;
  core::Vec3 p{};
  for (std::size_t a = 0; a < 3; ++a) p[a] = view.first_mm[a] + view.right[a] * u_mm + view.up[a] * v_mm;
  p[static_cast<std::size_t>(view.normal_axis)] = view.normal_mm;
  return p;
}

std::array<double, 2> lps_to_display(const SliceViewMapping& view, const core::Vec3& p) {
  const auto& vp = view.viewport_px;
  const double aspect = vp[2] / std::max(1.0, vp[3]);
  double u_mm = 0, v_mm = 0;
  for (std::size_t a = 0; a < 3; ++a) {
    u_mm += view.right[a] * (p[a] - view.first_mm[a]);
    v_mm += view.up[a] * (p[a] - view.first_mm[a]);
  }
  const double vx = (u_mm - view.focal_mm[0]) / (view.half_height_mm * aspect);
  const double vy = (v_mm - view.focal_mm[1]) / view.half_height_mm;
  return {vp[0] + (vx + 1) / 2 * vp[2], vp[1] + (vy + 1) / 2 * vp[3]};
}

}  // namespace myo::rendering
