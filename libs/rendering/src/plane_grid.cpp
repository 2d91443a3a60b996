#include "plane_grid.hpp"

namespace myo::rendering::detail {
namespace {

bool all_finite(const core::Vec3& v) { return std::isfinite(v[0]) && std::isfinite(v[1]) && std::isfinite(v[2]); }

// The inputs of the per-pixel formula are finite: then a zero factor's product is a zero, which leaves a sum alone
// but for the sign of a zero result.
bool finite_inputs(const Plane& plane, const core::Geometry& grid) {
  if (!all_finite(plane.centre) || !all_finite(plane.right) || !all_finite(plane.down)) return false;
  if (!std::isfinite(plane.pixel_mm) || !all_finite(grid.origin_mm)) return false;
  for (std::size_t a = 0; a < 3; ++a)
    if (!(std::isfinite(grid.spacing_mm[a]) && grid.spacing_mm[a] > 0)) return false;
  for (const double d : grid.direction)
    if (!std::isfinite(d)) return false;
  return true;
}

// Which screen axes grid axis `a` follows: its index sums the LPS components whose direction cosine is not exactly
// 0, and each component is the centre plus the screen right's share times u plus the screen down's times v.
std::array<bool, 2> follows(const Plane& plane, const core::Geometry& grid, std::size_t a) {
  std::array<bool, 2> along{false, false};  // columns (px), rows (py)
  for (std::size_t r = 0; r < 3; ++r) {
    if (grid.direction[r * 3 + a] == 0.0) continue;
    along[0] = along[0] || plane.right[r] != 0.0;
    along[1] = along[1] || plane.down[r] != 0.0;
  }
  return along;
}

}  // namespace

PlaneGrid::Entry PlaneGrid::entry(double index, std::size_t size, std::int64_t stride) {
  Entry e;
  e.index = index;
  const long v = round_half_away(index);  // as nearest_at
  e.nearest = v < 0 || v >= static_cast<long>(size) ? kOutside : v * stride;
  e.interior = index >= 0 && index < static_cast<double>(size) - 1;  // as linear_at's interior()
  if (e.interior) {
    const auto i0 = static_cast<std::size_t>(index);
    const double f = index - static_cast<double>(i0);
    e.lower = static_cast<std::int64_t>(i0) * stride;
    e.weight = {1 - f, f};
  }
  return e;
}

std::optional<PlaneGrid> PlaneGrid::make(const Plane& plane, const core::Geometry& grid) {
  if (plane.width <= 0 || plane.height <= 0 || !finite_inputs(plane, grid)) return std::nullopt;
  PlaneGrid g;
  g.stride_ = {1, static_cast<std::int64_t>(grid.size[0]),
               static_cast<std::int64_t>(grid.size[0]) * static_cast<std::int64_t>(grid.size[1])};
  for (std::size_t a = 0; a < 3; ++a) {
    const auto along = follows(plane, grid, a);
    if (along[0] && along[1]) return std::nullopt;
    Axis& axis = g.axes_[a];
    axis.column_step = along[0] ? 1 : 0;
    axis.row_step = along[1] ? 1 : 0;
    const int n = along[0] ? plane.width : along[1] ? plane.height : 1;
    axis.entries.reserve(static_cast<std::size_t>(n));
    for (int t = 0; t < n; ++t) {
      const core::Vec3 index = grid.physical_to_index(plane.point(along[0] ? t : 0, along[1] ? t : 0));
      axis.entries.push_back(entry(index[a], grid.size[a], g.stride_[a]));
    }
  }
  return g;
}

}  // namespace myo::rendering::detail
