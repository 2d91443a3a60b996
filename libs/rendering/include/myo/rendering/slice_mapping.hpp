#pragma once
// Which patient point (LPS mm) a display pixel of a slice view shows, and back: the mapping behind every click on a
// slice (pick, brush, fill). A slice view is an image plane spanned by two LPS axes, shown by an orthographic camera
// looking at it from +z with +y up; display pixels are VTK's (origin at the window's bottom left).
#include <array>

#include "myo/core/geometry.hpp"

namespace myo::rendering {

struct SliceViewMapping {
  core::Vec3 first_mm{};   // LPS of the centre of image pixel (0, 0), bottom left (its normal component is unused)
  core::Vec3 right{1, 0, 0}, up{0, -1, 0};  // LPS directions of the image's +u and +v
  int normal_axis = 2;     // LPS axis across the plane
  double normal_mm = 0;    // where the plane lies along it
  double pixel_mm = 1;     // image pixel size
  std::array<double, 2> focal_mm{0, 0};  // camera focal point in image-plane mm (pixel (u, v) is at u * pixel_mm, ...)
  double half_height_mm = 100;           // camera parallel scale: half the viewport's height in mm
  std::array<double, 4> viewport_px{0, 0, 100, 100};  // x, y of the bottom-left corner, width, height (display px)
};

// The LPS point shown at display pixel (x, y) of the view, on the plane.
[[nodiscard]] core::Vec3 display_to_lps(const SliceViewMapping& view, double display_x, double display_y);
// The display pixel showing LPS point `p` (projected onto the plane).
[[nodiscard]] std::array<double, 2> lps_to_display(const SliceViewMapping& view, const core::Vec3& p);

}  // namespace myo::rendering
