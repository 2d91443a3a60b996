#include "myo/core/geometry.hpp"

#include <cmath>
#include <fmt/format.h>

namespace myo::core {

Mat3 identity_direction() { return {1, 0, 0, 0, 1, 0, 0, 0, 1}; }

Vec3 cross(const Vec3& a, const Vec3& b) {
  return {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
}

double dot(const Vec3& a, const Vec3& b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }

Vec3 normalized(const Vec3& v) {
  const double n = std::sqrt(dot(v, v));
  if (n == 0.0) return v;
  return {v[0] / n, v[1] / n, v[2] / n};
}

Mat3 direction_from_cosines(const Vec3& row, const Vec3& column) {
  const Vec3 r = normalized(row);
  const Vec3 c = normalized(column);
  const Vec3 n = normalized(cross(r, c));
  return {r[0], c[0], n[0], r[1], c[1], n[1], r[2], c[2], n[2]};
}

Vec3 Geometry::index_to_physical(const Vec3& index) const {
  Vec3 p = origin_mm;
  for (int row = 0; row < 3; ++row)
    for (int col = 0; col < 3; ++col) p[row] += direction[row * 3 + col] * spacing_mm[col] * index[col];
  return p;
}

Vec3 Geometry::physical_to_index(const Vec3& point_mm) const {
  // Direction matrices are orthonormal: the inverse is the transpose.
  const Vec3 d{point_mm[0] - origin_mm[0], point_mm[1] - origin_mm[1], point_mm[2] - origin_mm[2]};
  Vec3 index{};
  for (int col = 0; col < 3; ++col) {
    double s = 0.0;
    for (int row = 0; row < 3; ++row) s += direction[row * 3 + col] * d[row];
    index[col] = s / spacing_mm[col];
  }
  return index;
}

bool Geometry::same_grid(const Geometry& other, double tolerance_mm) const {
  if (size != other.size) return false;
  for (int a = 0; a < 3; ++a) {
    if (std::abs(spacing_mm[a] - other.spacing_mm[a]) > tolerance_mm) return false;
    if (std::abs(origin_mm[a] - other.origin_mm[a]) > tolerance_mm) return false;
  }
  for (int e = 0; e < 9; ++e)
    if (std::abs(direction[e] - other.direction[e]) > 1e-4) return false;
  return true;
}

bool Geometry::same_grid_within_voxels(const Geometry& other, double voxel_fraction,
                                       double direction_tolerance) const {
  if (size != other.size) return false;
  for (int e = 0; e < 9; ++e)
    if (std::abs(direction[e] - other.direction[e]) > direction_tolerance) return false;
  const Vec3 offset = physical_to_index(other.origin_mm);  // the other origin in this grid's voxel units
  for (std::size_t a = 0; a < 3; ++a) {
    if (!(spacing_mm[a] > 0) || std::abs(offset[a]) > voxel_fraction) return false;
    const double drift_voxels = std::abs(spacing_mm[a] - other.spacing_mm[a]) * static_cast<double>(size[a]) / spacing_mm[a];
    if (!(drift_voxels <= voxel_fraction)) return false;
  }
  return true;
}

std::string Geometry::describe() const {
  return fmt::format("{}x{}x{} voxels, spacing {:.3g}x{:.3g}x{:.3g} mm, origin ({:.1f}, {:.1f}, {:.1f}) mm LPS",
                     size[0], size[1], size[2], spacing_mm[0], spacing_mm[1], spacing_mm[2], origin_mm[0],
                     origin_mm[1], origin_mm[2]);
}

const char* to_string(Side side) { return side == Side::right ? "right" : "left"; }

Side side_of_lps_x(double x_mm, double midline_x_mm) { return x_mm < midline_x_mm ? Side::right : Side::left; }

}  // namespace myo::core
