#include "myo/core/coverage.hpp"

#include <algorithm>
#include <cmath>

namespace myo::core {
namespace {

// The channel's continuous index of reference voxel (0,0,0) and its change per reference index step along each axis
// (the map between the two grids is affine).
struct IndexMap {
  Vec3 origin{};
  std::array<Vec3, 3> step{};
};

IndexMap index_map(const Geometry& channel, const Geometry& reference) {
  IndexMap m;
  m.origin = channel.physical_to_index(reference.index_to_physical({0, 0, 0}));
  for (std::size_t a = 0; a < 3; ++a) {
    Vec3 unit{0, 0, 0};
    unit[a] = 1;
    const Vec3 q = channel.physical_to_index(reference.index_to_physical(unit));
    for (std::size_t b = 0; b < 3; ++b) m.step[a][b] = q[b] - m.origin[b];
  }
  return m;
}

}  // namespace

MaskVolume covered_voxels(const Geometry& channel, const Geometry& reference, double tolerance_voxels) {
  MaskVolume mask(reference, 0);
  const IndexMap m = index_map(channel, reference);
  const auto inside = [&](const Vec3& c) {
    for (std::size_t b = 0; b < 3; ++b) {
      const double high = static_cast<double>(channel.size[b]) - 0.5 + tolerance_voxels;
      if (c[b] < -0.5 - tolerance_voxels || c[b] > high) return false;
    }
    return true;
  };
  std::size_t v = 0;
  for (std::size_t k = 0; k < reference.size[2]; ++k)
    for (std::size_t j = 0; j < reference.size[1]; ++j)
      for (std::size_t i = 0; i < reference.size[0]; ++i, ++v) {
        Vec3 c{};
        for (std::size_t b = 0; b < 3; ++b)
          c[b] = m.origin[b] + static_cast<double>(i) * m.step[0][b] + static_cast<double>(j) * m.step[1][b] +
                 static_cast<double>(k) * m.step[2][b];
        mask.voxels[v] = inside(c) ? 1 : 0;
      }
  return mask;
}

namespace {

// Whether the middle part (kCoverageMiddleShare of each in-plane axis) of reference slice `k` is wholly covered.
bool middle_covered(const MaskVolume& mask, std::size_t k) {
  const auto& g = mask.geometry;
  const auto bounds = [](std::size_t n) {
    const double margin = (1.0 - kCoverageMiddleShare) / 2.0 * static_cast<double>(n);
    return std::array<std::size_t, 2>{static_cast<std::size_t>(std::ceil(margin)),
                                      n - static_cast<std::size_t>(std::ceil(margin))};
  };
  const auto x = bounds(g.size[0]), y = bounds(g.size[1]);
  for (std::size_t j = y[0]; j < y[1]; ++j)
    for (std::size_t i = x[0]; i < x[1]; ++i)
      if (!mask.voxels[g.linear_index(i, j, k)]) return false;
  return true;
}

}  // namespace

GridCoverage grid_coverage(const Geometry& channel, const Geometry& reference, double tolerance_voxels) {
  GridCoverage out;
  out.same_grid = channel.same_grid_within_voxels(reference, tolerance_voxels);
  if (out.same_grid || reference.voxel_count() == 0) return out;
  const auto mask = covered_voxels(channel, reference, tolerance_voxels);
  const auto covered = static_cast<std::size_t>(std::count(mask.voxels.begin(), mask.voxels.end(), 1));
  out.covered_pct = covered == mask.voxels.size()
                        ? 100.0
                        : 100.0 * static_cast<double>(covered) / static_cast<double>(mask.voxels.size());
  for (std::size_t k = 0; k < reference.size[2]; ++k) {
    if (middle_covered(mask, k)) continue;
    const double z = reference.index_to_physical({0, 0, static_cast<double>(k)})[2];
    if (!out.uncovered_z_mm) out.uncovered_z_mm = std::array<double, 2>{z, z};
    auto& range = *out.uncovered_z_mm;
    range = {std::min(range[0], z), std::max(range[1], z)};
  }
  return out;
}

}  // namespace myo::core
