#include "myo/quantification/coverage.hpp"

#include <algorithm>
#include <map>

#include "myo/core/error.hpp"

namespace myo::quantification {

std::vector<LabelCoverage> label_coverage(const core::LabelVolume& labels, const core::MaskVolume& covered) {
  if (!covered.geometry.same_grid(labels.geometry))
    throw core::MyoError("quantification", "a coverage mask is not on the label grid");
  const auto& g = labels.geometry;
  const std::size_t per_slice = g.size[0] * g.size[1];
  std::map<int, LabelCoverage> by_value;
  for (std::size_t i = 0; i < labels.voxels.size(); ++i) {
    const int v = labels.voxels[i];
    if (!v) continue;
    auto& c = by_value[v];
    c.value = v;
    ++c.voxel_count;
    if (covered.voxels[i]) continue;
    ++c.uncovered_count;
    const double z = g.index_to_physical({static_cast<double>(i % g.size[0]),
                                          static_cast<double>((i / g.size[0]) % g.size[1]),
                                          static_cast<double>(i / per_slice)})[2];
    if (!c.uncovered_z_mm) c.uncovered_z_mm = std::array<double, 2>{z, z};
    *c.uncovered_z_mm = {std::min((*c.uncovered_z_mm)[0], z), std::max((*c.uncovered_z_mm)[1], z)};
  }
  std::vector<LabelCoverage> out;
  for (auto& [value, c] : by_value) out.push_back(c);
  return out;
}

}  // namespace myo::quantification
