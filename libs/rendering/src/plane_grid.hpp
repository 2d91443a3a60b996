#pragma once
// A plane's pixels on a voxel grid whose every axis follows one screen axis of the plane or none (axial and coronal
// planes through an axial grid, whatever its flips and axis order): the continuous index along each grid axis is then
// a table per column, per row or one value, computed by the per-pixel formula itself (Plane::point, then
// Geometry::physical_to_index), so that nearest and trilinear samples are those of that formula to the bit. A grid
// axis that follows both screen axes (an oblique grid or plane) has no table: make() gives none.
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include "figures_internal.hpp"
#include "slice_planes.hpp"

namespace myo::rendering::detail {

class PlaneGrid {
 public:
  // The tables of `plane` on `grid`; none when they would not give the per-pixel formula's samples.
  [[nodiscard]] static std::optional<PlaneGrid> make(const Plane& plane, const core::Geometry& grid);

  // grid.physical_to_index(plane.point(px, py)), but for the sign of a zero (which no sample depends on).
  [[nodiscard]] core::Vec3 index(int px, int py) const {
    return {axes_[0].at(px, py).index, axes_[1].at(px, py).index, axes_[2].at(px, py).index};
  }
  // Linear offset of the voxel nearest_at samples at pixel (px, py); negative outside the grid.
  [[nodiscard]] std::int64_t nearest(int px, int py) const {
    return axes_[0].at(px, py).nearest + axes_[1].at(px, py).nearest + axes_[2].at(px, py).nearest;
  }
  // linear_at at pixel (px, py) of a volume on this grid, to the bit: linear_interior's weights, corner order and
  // sum where every axis has a voxel either side, linear_general elsewhere.
  [[nodiscard]] std::optional<double> linear(const core::ImageVolume& volume, int px, int py) const {
    const Entry& x = axes_[0].at(px, py);
    const Entry& y = axes_[1].at(px, py);
    const Entry& z = axes_[2].at(px, py);
    if (!(x.interior && y.interior && z.interior)) return linear_general(volume, {x.index, y.index, z.index});
    const float* corner0 = volume.voxels.data() + (x.lower + y.lower + z.lower);
    double sum = 0;
    for (int corner = 0; corner < 8; ++corner) {
      const int cx = corner & 1, cy = (corner >> 1) & 1, cz = (corner >> 2) & 1;
      const double w = x.weight[cx] * y.weight[cy] * z.weight[cz];
      if (w <= 0) continue;
      const float v = corner0[cx * stride_[0] + cy * stride_[1] + cz * stride_[2]];
      if (std::isfinite(v)) sum += w * v;
    }
    return sum;
  }

 private:
  // One grid axis at one table position.
  struct Entry {
    double index = 0;                // continuous index along the axis
    std::int64_t nearest = 0;        // nearest voxel times the axis' stride; kOutside beyond the grid
    bool interior = false;           // a voxel either side: 0 <= index < size - 1
    std::int64_t lower = 0;          // interior: the lower voxel times the stride
    std::array<double, 2> weight{};  // interior: lower and upper voxel's weight
  };
  // One grid axis over the plane: the entry of pixel (px, py) is px * column_step + py * row_step.
  struct Axis {
    int column_step = 0, row_step = 0;
    std::vector<Entry> entries;
    [[nodiscard]] const Entry& at(int px, int py) const {
      return entries[static_cast<std::size_t>(px * column_step + py * row_step)];
    }
  };
  // Three of these still sum to a negative offset, whatever the other axes add.
  static constexpr std::int64_t kOutside = std::numeric_limits<std::int64_t>::min() / 4;

  static Entry entry(double index, std::size_t size, std::int64_t stride);

  std::array<Axis, 3> axes_;
  std::array<std::int64_t, 3> stride_{};
};

}  // namespace myo::rendering::detail
