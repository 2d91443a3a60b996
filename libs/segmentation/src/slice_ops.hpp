#pragma once
// Small 2D operations on one axial slice of a mask (row-major, x fastest). Per-slice work keeps memory low and
// lets the thigh/pelvis logic reason about cross-sections the way a radiologist does.
#include <cstdint>
#include <vector>

namespace myo::segmentation::slice {

struct Grid {
  int nx = 0;
  int ny = 0;
  double sx_mm = 1;
  double sy_mm = 1;
  [[nodiscard]] int count() const { return nx * ny; }
};

using Mask = std::vector<std::uint8_t>;

struct Component {
  std::vector<int> pixels;
  double area_mm2 = 0;
  double cx = 0;  // centroid in pixel units
  double cy = 0;
  bool touches_border = false;
};

void fill_holes(const Grid& g, Mask& mask);
[[nodiscard]] std::vector<Component> components(const Grid& g, const Mask& mask);
// Square-free disc structuring element of the given radius in mm.
[[nodiscard]] Mask dilate(const Grid& g, const Mask& mask, double radius_mm);
[[nodiscard]] Mask erode(const Grid& g, const Mask& mask, double radius_mm);
[[nodiscard]] Mask close(const Grid& g, const Mask& mask, double radius_mm);
[[nodiscard]] Mask open(const Grid& g, const Mask& mask, double radius_mm);
// Distance in mm from each pixel inside `mask` to the nearest pixel outside it (0 outside).
[[nodiscard]] std::vector<float> depth_inside_mm(const Grid& g, const Mask& mask);

}  // namespace myo::segmentation::slice
