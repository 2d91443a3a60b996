#include "correction.hpp"

#include <map>

#include "myo/core/muscle_catalog.hpp"

namespace myo::pipeline::detail {
namespace {

std::map<int, std::size_t> voxel_counts(const core::LabelVolume& labels) {
  std::map<int, std::size_t> counts;
  for (const auto v : labels.voxels)
    if (v != 0) ++counts[v];
  return counts;
}

// The catalogue's name, group and side of a label value (a single muscle or a group).
reporting::LabelCorrection::Change named(int label) {
  reporting::LabelCorrection::Change c;
  c.label = label;
  const auto& catalog = core::MuscleCatalog::instance();
  if (const auto m = catalog.muscle_from_label(label)) {
    c.name = m->muscle->name, c.group = m->muscle->group, c.side = core::to_string(m->side);
  } else if (const auto g = catalog.from_label(label)) {
    c.name = g->group->name, c.group = g->group->name, c.side = core::to_string(g->side);
  } else {
    c.name = "label " + std::to_string(label);
  }
  return c;
}

}  // namespace

reporting::LabelCorrection describe_correction(const ReaderCorrection& correction, const core::LabelVolume& corrected) {
  reporting::LabelCorrection out;
  out.reader = correction.reader;
  out.edited_from = correction.edited_from;
  out.edit_count = correction.edit_count;
  out.voxels_changed = correction.voxels_changed;
  const auto before = voxel_counts(correction.automatic_labels);
  const auto after = voxel_counts(corrected);
  std::map<int, std::pair<std::size_t, std::size_t>> both;
  for (const auto& [label, n] : before) both[label].first = n;
  for (const auto& [label, n] : after) both[label].second = n;
  const double automatic_ml = correction.automatic_labels.geometry.voxel_volume_ml();
  const double corrected_ml = corrected.geometry.voxel_volume_ml();
  for (const auto& [label, counts] : both) {
    if (counts.first == counts.second) continue;
    auto change = named(label);
    change.automatic_volume_ml = static_cast<double>(counts.first) * automatic_ml;
    change.corrected_volume_ml = static_cast<double>(counts.second) * corrected_ml;
    out.changes.push_back(std::move(change));
  }
  return out;
}

}  // namespace myo::pipeline::detail
