#include "labelling.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <map>

#include "myo/core/muscle_catalog.hpp"
#include "myo/core/parallel.hpp"

namespace myo::segmentation::detail {
namespace {

// Probabilities of slice k on the network grid, [class][pixel]: the views averaged, interpolated between the
// inferred slices around k.
std::vector<float> slice_probabilities(const std::vector<SliceProbabilities>& slices, int k, std::size_t size) {
  std::size_t b = 0;
  while (b + 1 < slices.size() && slices[b].slice < k) ++b;
  const std::size_t a = b > 0 && slices[b].slice > k ? b - 1 : b;
  const double t = a == b ? 0.0 : static_cast<double>(k - slices[a].slice) / (slices[b].slice - slices[a].slice);
  std::vector<float> out(size, 0.0F);
  for (const auto& [index, weight] : {std::pair{a, 1.0 - t}, std::pair{b, t}}) {
    if (weight <= 0) continue;
    const auto& views = slices[index].views;
    const auto w = static_cast<float>(weight / (255.0 * static_cast<double>(views.size())));
    for (const auto& v : views)
      for (std::size_t i = 0; i < size; ++i) out[i] += w * static_cast<float>(v[i]);
  }
  return out;
}

void classify_slice(const core::Geometry& g, const NetworkGrid& grid, const std::vector<float>& p, int classes, int k,
                    VoxelClasses& out) {
  const SlicePlane plane(g);
  const auto plane_size = static_cast<std::size_t>(grid.count());
  std::vector<float> mixed(static_cast<std::size_t>(classes));
  for (std::size_t j = 0; j < g.size[1]; ++j)
    for (std::size_t i = 0; i < g.size[0]; ++i) {
      double x = 0, y = 0;
      plane.point_of(static_cast<double>(i), static_cast<double>(j), k, x, y);
      const double col = (x - grid.x0_mm) / grid.pixel_mm, row = (y - grid.y0_mm) / grid.pixel_mm;
      const std::size_t voxel = g.linear_index(i, j, static_cast<std::size_t>(k));
      if (!(col >= 0 && row >= 0 && col <= grid.columns - 1 && row <= grid.rows - 1)) continue;
      const int c0 = std::min(static_cast<int>(col), grid.columns - 2),
                r0 = std::min(static_cast<int>(row), grid.rows - 2);
      const double fc = col - c0, fr = row - r0;
      const std::array<std::size_t, 4> tap{static_cast<std::size_t>(r0) * grid.columns + c0,
                                           static_cast<std::size_t>(r0) * grid.columns + c0 + 1,
                                           static_cast<std::size_t>(r0 + 1) * grid.columns + c0,
                                           static_cast<std::size_t>(r0 + 1) * grid.columns + c0 + 1};
      const std::array<double, 4> w{(1 - fr) * (1 - fc), (1 - fr) * fc, fr * (1 - fc), fr * fc};
      if (std::all_of(tap.begin(), tap.end(), [&](std::size_t t) { return p[t] > 0.9F; })) {
        out.probability[voxel] = static_cast<std::uint8_t>(255);
        continue;  // background for sure: most of the field of view
      }
      for (int c = 0; c < classes; ++c) {
        const float* pc = p.data() + static_cast<std::size_t>(c) * plane_size;
        mixed[static_cast<std::size_t>(c)] =
            static_cast<float>(w[0] * pc[tap[0]] + w[1] * pc[tap[1]] + w[2] * pc[tap[2]] + w[3] * pc[tap[3]]);
      }
      std::array<int, 2> best{0, 0};
      for (int c = 1; c < classes; ++c) {
        if (mixed[c] > mixed[static_cast<std::size_t>(best[0])])
          best = {c, best[0]};
        else if (best[1] == best[0] || mixed[c] > mixed[static_cast<std::size_t>(best[1])])
          best[1] = c;
      }
      out.first[voxel] = static_cast<std::uint8_t>(best[0]);
      out.second[voxel] = static_cast<std::uint8_t>(best[1] == best[0] ? 0 : best[1]);
      out.probability[voxel] = round_to_byte(255 * mixed[static_cast<std::size_t>(best[0])]);
    }
}

// 3D 6-connected components of the voxels holding `value`, as lists of voxel indices.
std::vector<std::vector<std::size_t>> components_of(const core::LabelVolume& labels, std::uint16_t value,
                                                    const std::vector<std::size_t>& voxels,
                                                    std::vector<std::uint8_t>& seen) {
  const auto& g = labels.geometry;
  const std::array<long, 3> n{static_cast<long>(g.size[0]), static_cast<long>(g.size[1]), static_cast<long>(g.size[2])};
  std::vector<std::vector<std::size_t>> out;
  std::vector<std::size_t> stack;
  for (const std::size_t start : voxels) {
    if (labels.voxels[start] != value || seen[start]) continue;
    out.emplace_back();
    stack.assign(1, start);
    seen[start] = 1;
    while (!stack.empty()) {
      const std::size_t v = stack.back();
      stack.pop_back();
      out.back().push_back(v);
      const long i = static_cast<long>(v) % n[0], j = static_cast<long>(v) / n[0] % n[1],
                 k = static_cast<long>(v) / (n[0] * n[1]);
      const std::array<std::array<long, 3>, 6> steps{
          {{-1, 0, 0}, {1, 0, 0}, {0, -1, 0}, {0, 1, 0}, {0, 0, -1}, {0, 0, 1}}};
      for (const auto& s : steps) {
        const long a = i + s[0], b = j + s[1], c = k + s[2];
        if (a < 0 || b < 0 || c < 0 || a >= n[0] || b >= n[1] || c >= n[2]) continue;
        const auto u = static_cast<std::size_t>(a + n[0] * (b + n[1] * c));
        if (labels.voxels[u] == value && !seen[u]) seen[u] = 1, stack.push_back(u);
      }
    }
  }
  return out;
}

// Keeps the largest 3D part of every muscle-side label; the voxels of its other parts take relabel(voxel).
// Returns the size of the kept part per label.
std::map<std::uint16_t, std::size_t> keep_largest_parts(core::LabelVolume& labels,
                                                        const std::function<std::uint16_t(std::size_t)>& relabel) {
  std::map<std::uint16_t, std::vector<std::size_t>> by_label;
  for (std::size_t v = 0; v < labels.voxels.size(); ++v)
    if (labels.voxels[v] != 0) by_label[labels.voxels[v]].push_back(v);
  std::vector<std::uint8_t> seen(labels.voxels.size(), 0);
  std::map<std::uint16_t, std::size_t> kept;
  for (const auto& [value, voxels] : by_label) {
    auto parts = components_of(labels, value, voxels, seen);
    std::sort(parts.begin(), parts.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
    kept[value] = parts.front().size();
    for (std::size_t p = 1; p < parts.size(); ++p)
      for (const std::size_t v : parts[p]) labels.voxels[v] = relabel(v);
  }
  return kept;
}

}  // namespace

VoxelClasses classify_voxels(const core::Geometry& g, const NetworkGrid& grid,
                             const std::vector<SliceProbabilities>& slices, int classes, unsigned threads) {
  VoxelClasses out;
  out.first.assign(g.voxel_count(), 0);
  out.second.assign(g.voxel_count(), 0);
  out.probability.assign(g.voxel_count(), 0);
  const auto size = static_cast<std::size_t>(classes) * static_cast<std::size_t>(grid.count());
  core::parallel_for(
      static_cast<int>(g.size[2]),
      [&](int k) { classify_slice(g, grid, slice_probabilities(slices, k, size), classes, k, out); }, threads);
  return out;
}

std::vector<const core::Muscle*> catalogue_muscles(const std::vector<std::string>& class_names) {
  std::vector<const core::Muscle*> out;
  for (const auto& name : class_names) out.push_back(core::MuscleCatalog::instance().find_muscle(name));
  return out;
}

core::LabelVolume muscle_labels(const core::Geometry& g, const VoxelClasses& voxels,
                                const std::vector<const core::Muscle*>& muscles, double midline_x_mm,
                                double min_volume_ml) {
  core::LabelVolume labels(g, 0);
  const SlicePlane plane(g);
  const auto side_label = [&](std::uint8_t c, std::size_t v) -> std::uint16_t {
    const auto* m = c < muscles.size() ? muscles[c] : nullptr;
    if (m == nullptr) return 0;
    double x = 0, y = 0;
    plane.point_of(static_cast<double>(v % g.size[0]), static_cast<double>(v / g.size[0] % g.size[1]),
                   static_cast<int>(v / (g.size[0] * g.size[1])), x, y);
    return static_cast<std::uint16_t>(m->label(core::side_of_lps_x(x, midline_x_mm)));
  };
  for (std::size_t v = 0; v < labels.voxels.size(); ++v) labels.voxels[v] = side_label(voxels.first[v], v);
  // One connected body per muscle and side: detached parts take their runner-up class (on their own side), and what
  // is still detached after that (a hand beside the hip, a blob in the pelvis) is left unlabelled.
  keep_largest_parts(labels, [&](std::size_t v) { return side_label(voxels.second[v], v); });
  const auto kept = keep_largest_parts(labels, [](std::size_t) { return std::uint16_t{0}; });
  const auto min_voxels = static_cast<std::size_t>(min_volume_ml / g.voxel_volume_ml());
  for (auto& l : labels.voxels)
    if (l != 0 && kept.at(l) < min_voxels) l = 0;
  return labels;
}

core::LabelVolume group_labels(const core::LabelVolume& muscle_labels) {
  const auto& catalog = core::MuscleCatalog::instance();
  std::map<std::uint16_t, std::uint16_t> to_group;
  for (const auto& m : catalog.muscles())
    if (const auto* group = catalog.find(m.group))
      for (const auto side : {core::Side::right, core::Side::left})
        to_group[static_cast<std::uint16_t>(m.label(side))] = static_cast<std::uint16_t>(group->label(side));
  core::LabelVolume out(muscle_labels.geometry, 0);
  for (std::size_t v = 0; v < out.voxels.size(); ++v)
    if (const auto l = muscle_labels.voxels[v]; l != 0) out.voxels[v] = to_group[l];
  return out;
}

namespace {

// Dice between the two views' own labels of every muscle and side, over the inferred slices (network grid).
std::map<std::uint16_t, double> view_agreement(const NetworkGrid& grid, const std::vector<SliceProbabilities>& slices,
                                               const std::vector<const core::Muscle*>& muscles, double midline_x_mm) {
  struct Counts {
    double a = 0, b = 0, both = 0;
  };
  std::map<std::uint16_t, Counts> counts;
  const auto plane = static_cast<std::size_t>(grid.count());
  const auto classes = muscles.size();
  for (const auto& s : slices) {
    if (s.views.size() < 2) return {};
    for (std::size_t p = 0; p < plane; ++p) {
      std::array<std::size_t, 2> best{0, 0};
      for (std::size_t v = 0; v < 2; ++v)
        for (std::size_t c = 1; c < classes; ++c)
          if (s.views[v][c * plane + p] > s.views[v][best[v] * plane + p]) best[v] = c;
      const double x = grid.x0_mm + static_cast<double>(p % static_cast<std::size_t>(grid.columns)) * grid.pixel_mm;
      const auto side = core::side_of_lps_x(x, midline_x_mm);
      const auto label = [&](std::size_t c) {
        return muscles[c] ? static_cast<std::uint16_t>(muscles[c]->label(side)) : 0;
      };
      if (best[0] != 0) counts[label(best[0])].a += 1;
      if (best[1] != 0) counts[label(best[1])].b += 1;
      if (best[0] != 0 && best[0] == best[1]) counts[label(best[0])].both += 1;
    }
  }
  std::map<std::uint16_t, double> out;
  for (const auto& [label, c] : counts)
    if (label != 0 && c.a + c.b > 0) out[label] = 2 * c.both / (c.a + c.b);
  return out;
}

}  // namespace

std::vector<MuscleConfidence> muscle_confidence(const core::LabelVolume& muscle_labels, const VoxelClasses& voxels,
                                                const NetworkGrid& grid, const std::vector<SliceProbabilities>& slices,
                                                const std::vector<const core::Muscle*>& muscles, double midline_x_mm,
                                                double flag_below) {
  // A voxel the network gave to another muscle (a detached part handed to its runner-up) counts with at most
  // 1 - p(first), a bound on the runner-up's probability.
  const auto& catalog = core::MuscleCatalog::instance();
  std::map<std::uint16_t, const core::Muscle*> muscle_of;  // label -> catalogue muscle, looked up once per label
  std::map<std::uint16_t, std::pair<double, std::size_t>> probability;  // sum, count
  for (std::size_t v = 0; v < muscle_labels.voxels.size(); ++v)
    if (const auto l = muscle_labels.voxels[v]; l != 0) {
      auto [it, added] = muscle_of.try_emplace(l, nullptr);
      if (added)
        if (const auto ms = catalog.muscle_from_label(l)) it->second = ms->muscle;
      auto& [sum, count] = probability[l];
      const double p = voxels.probability[v] / 255.0;
      const auto* first = voxels.first[v] < muscles.size() ? muscles[voxels.first[v]] : nullptr;
      sum += it->second != nullptr && it->second == first ? p : std::min(p, 1.0 - p);
      ++count;
    }
  const auto agreement = view_agreement(grid, slices, muscles, midline_x_mm);
  std::vector<MuscleConfidence> out;
  for (const auto& [label, sum_count] : probability) {
    const auto ms = catalog.muscle_from_label(label);
    if (!ms) continue;
    MuscleConfidence c;
    c.muscle = ms->muscle->name;
    c.side = ms->side;
    c.volume_ml = static_cast<double>(sum_count.second) * muscle_labels.geometry.voxel_volume_ml();
    c.mean_probability = sum_count.first / static_cast<double>(sum_count.second);
    if (const auto it = agreement.find(label); it != agreement.end()) c.view_agreement = it->second;
    c.confidence = c.view_agreement ? std::min(c.mean_probability, 0.5 + 0.5 * *c.view_agreement) : c.mean_probability;
    c.flagged = c.confidence < flag_below;
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace myo::segmentation::detail
