#include "myo/rendering/levels.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "myo/core/error.hpp"
#include "myo/core/muscle_catalog.hpp"

namespace myo::rendering {
namespace {

struct Accumulator {
  std::vector<double> sum;
  std::vector<std::size_t> count;
};

// Walks the labelled voxels once, slab by slab along LPS z. `value(index)` gives the voxel's contribution.
template <class ValueAt>
LevelProfiles profiles(const core::LabelVolume& labels, double slab_mm, std::size_t min_voxels, ValueAt value) {
  labels.check();
  if (!(slab_mm > 0)) throw core::MyoError("slab_mm", "slab thickness must be positive");
  const auto& g = labels.geometry;
  // z of voxel (i,j,k) = origin_z + a*i + b*j + c*k.
  const double a = g.direction[6] * g.spacing_mm[0], b = g.direction[7] * g.spacing_mm[1],
               c = g.direction[8] * g.spacing_mm[2];
  double z_min = std::numeric_limits<double>::max(), z_max = std::numeric_limits<double>::lowest();
  std::size_t index = 0;
  for (std::size_t k = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i, ++index) {
        if (labels.voxels[index] == 0) continue;
        const double z =
            g.origin_mm[2] + a * static_cast<double>(i) + b * static_cast<double>(j) + c * static_cast<double>(k);
        z_min = std::min(z_min, z);
        z_max = std::max(z_max, z);
      }
  LevelProfiles out;
  out.slab_mm = slab_mm;
  if (z_min > z_max) return out;
  // Slabs aligned to multiples of slab_mm so that levels of two visits line up when the table position does.
  const double first = std::floor(z_min / slab_mm) * slab_mm;
  const auto slabs = static_cast<std::size_t>(std::floor((z_max - first) / slab_mm)) + 1;
  for (std::size_t s = 0; s < slabs; ++s) out.slab_low_z_mm.push_back(first + slab_mm * static_cast<double>(s));

  std::map<int, Accumulator> per_label;
  index = 0;
  for (std::size_t k = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i, ++index) {
        const int label = labels.voxels[index];
        if (label == 0) continue;
        const auto v = value(index);
        if (!v) continue;
        const double z =
            g.origin_mm[2] + a * static_cast<double>(i) + b * static_cast<double>(j) + c * static_cast<double>(k);
        const auto s = std::min(slabs - 1, static_cast<std::size_t>(std::max(0.0, std::floor((z - first) / slab_mm))));
        auto& acc = per_label[label];
        if (acc.sum.empty()) {
          acc.sum.assign(slabs, 0.0);
          acc.count.assign(slabs, 0);
        }
        acc.sum[s] += *v;
        ++acc.count[s];
      }

  for (const auto& group : core::MuscleCatalog::instance().groups())
    for (const auto side : {core::Side::right, core::Side::left}) {
      const auto it = per_label.find(group.label(side));
      if (it == per_label.end()) continue;
      LevelRow row;
      row.group = group.name;
      row.side = side;
      row.label = group.label(side);
      row.voxel_counts = it->second.count;
      for (std::size_t s = 0; s < slabs; ++s) {
        if (it->second.count[s] >= std::max<std::size_t>(min_voxels, 1))
          row.values.emplace_back(it->second.sum[s] / static_cast<double>(it->second.count[s]));
        else
          row.values.emplace_back(std::nullopt);
      }
      out.rows.push_back(std::move(row));
    }
  return out;
}

}  // namespace

LevelProfiles fat_fraction_profiles(const core::LabelVolume& labels, const core::ImageVolume& ff_pct, double slab_mm,
                                    std::size_t min_voxels) {
  ff_pct.check();
  if (!ff_pct.geometry.same_grid(labels.geometry))
    throw core::MyoError("fat fraction map", "not on the labels' grid (resample it first)");
  return profiles(labels, slab_mm, min_voxels, [&](std::size_t i) -> std::optional<double> {
    const float v = ff_pct.voxels[i];
    if (!std::isfinite(v)) return std::nullopt;
    return std::clamp(static_cast<double>(v), 0.0, 100.0);
  });
}

LevelProfiles edema_profiles(const core::LabelVolume& labels, const core::MaskVolume& edema_mask, double slab_mm,
                             std::size_t min_voxels) {
  edema_mask.check();
  if (!edema_mask.geometry.same_grid(labels.geometry))
    throw core::MyoError("edema mask", "not on the labels' grid (resample it first)");
  return profiles(labels, slab_mm, min_voxels,
                  [&](std::size_t i) -> std::optional<double> { return edema_mask.voxels[i] ? 100.0 : 0.0; });
}

}  // namespace myo::rendering
