#include "myo/editing/label_edits.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <deque>
#include <vector>

#include "myo/core/error.hpp"

namespace myo::editing {
namespace {

using core::LabelVolume;

// The voxel holding `point_mm`; a point outside the map is an error (an edit made on another analysis).
std::array<std::size_t, 3> voxel_at(const core::Geometry& g, const core::Vec3& point_mm, const std::string& subject) {
  const auto index = g.physical_to_index(point_mm);
  std::array<std::size_t, 3> voxel{};
  for (int a = 0; a < 3; ++a) {
    const double rounded = std::round(index[a]);
    if (!(rounded >= 0) || rounded >= static_cast<double>(g.size[a]))
      throw core::MyoError(subject, fmt::format("position ({:.1f}, {:.1f}, {:.1f}) mm is outside the label map ({})",
                                                point_mm[0], point_mm[1], point_mm[2], g.describe()));
    voxel[a] = static_cast<std::size_t>(rounded);
  }
  return voxel;
}

// Index range [first, last] of axis `a` within `reach` voxels of continuous index `c`, clipped to the map.
std::pair<std::size_t, std::size_t> span(double c, double reach, std::size_t size) {
  const double lo = std::max(0.0, std::ceil(c - reach));
  const double hi = std::min(static_cast<double>(size) - 1.0, std::floor(c + reach));
  return {static_cast<std::size_t>(lo), static_cast<std::size_t>(std::max(lo, hi))};
}

// Calls `visit(voxel index)` for every voxel whose centre lies within `radius_mm` of `centre_mm`: in 3D (ball) or
// in-plane on the slice through the centre (disc).
template <class Visit>
void for_each_in_brush(const core::Geometry& g, const core::Vec3& centre_mm, double radius_mm, BrushShape shape,
                       const std::string& subject, Visit visit) {
  const auto centre_voxel = voxel_at(g, centre_mm, subject);
  const auto c = g.physical_to_index(centre_mm);
  const auto& s = g.spacing_mm;
  auto [k0, k1] = span(c[2], radius_mm / s[2], g.size[2]);
  if (shape == BrushShape::disc) k0 = k1 = centre_voxel[2];
  const auto [j0, j1] = span(c[1], radius_mm / s[1], g.size[1]);
  const auto [i0, i1] = span(c[0], radius_mm / s[0], g.size[0]);
  const double dk_weight = shape == BrushShape::disc ? 0.0 : 1.0;
  for (std::size_t k = k0; k <= k1; ++k)
    for (std::size_t j = j0; j <= j1; ++j)
      for (std::size_t i = i0; i <= i1; ++i) {
        const double di = (static_cast<double>(i) - c[0]) * s[0];
        const double dj = (static_cast<double>(j) - c[1]) * s[1];
        const double dk = (static_cast<double>(k) - c[2]) * s[2] * dk_weight;
        if (di * di + dj * dj + dk * dk <= radius_mm * radius_mm) visit(g.linear_index(i, j, k));
      }
}

// Every write of an edit: counts the voxels it changes and, when asked, records each change (an editing session's
// undo history and the voxels a display redraws).
struct Writer {
  LabelVolume& labels;
  std::vector<VoxelChange>* record;
  std::size_t changed = 0;
  void set(std::size_t index, std::uint16_t value) {
    const auto before = labels.voxels[index];
    if (before == value) return;
    labels.voxels[index] = value;
    ++changed;
    if (record) record->push_back({index, before, value});
  }
};

std::size_t brush(Writer& w, const Edit& e, std::uint16_t value, const std::string& subject) {
  for_each_in_brush(w.labels.geometry, *e.centre_mm, e.radius_mm, e.shape, subject,
                    [&](std::size_t index) { w.set(index, value); });
  return w.changed;
}

std::size_t reassign(Writer& w, const Edit& e, const std::string& subject) {
  const auto from = static_cast<std::uint16_t>(e.from_label);
  const auto to = static_cast<std::uint16_t>(e.to_label);
  const auto give = [&](std::size_t index) {
    if (w.labels.voxels[index] == from) w.set(index, to);
  };
  if (!e.centre_mm) {
    for (std::size_t index = 0; index < w.labels.voxels.size(); ++index) give(index);
    return w.changed;
  }
  for_each_in_brush(w.labels.geometry, *e.centre_mm, e.radius_mm, BrushShape::ball, subject, give);
  return w.changed;
}

// 2D flood fill (4-connected) of the background region around the seed on its slice; the region must be enclosed.
std::size_t fill(Writer& w, const Edit& e, const std::string& subject) {
  const auto& labels = w.labels;
  const auto& g = labels.geometry;
  const auto seed = voxel_at(g, *e.centre_mm, subject);
  const auto k = seed[2];
  if (const auto v = labels.at(seed[0], seed[1], k); v != 0)
    throw core::MyoError(subject, fmt::format("the fill seed lies in label {}, not in background", v));
  std::vector<std::size_t> region;
  std::vector<bool> seen(g.size[0] * g.size[1], false);
  std::deque<std::pair<std::size_t, std::size_t>> queue{{seed[0], seed[1]}};
  seen[seed[0] + g.size[0] * seed[1]] = true;
  while (!queue.empty()) {
    const auto [i, j] = queue.front();
    queue.pop_front();
    if (i == 0 || j == 0 || i + 1 == g.size[0] || j + 1 == g.size[1])
      throw core::MyoError(subject, "the background around the fill seed is not enclosed on its slice (it reaches "
                                    "the edge of the image); close the outline first");
    region.push_back(g.linear_index(i, j, k));
    for (const auto& [ni, nj] : std::array<std::pair<std::size_t, std::size_t>, 4>{
             {{i - 1, j}, {i + 1, j}, {i, j - 1}, {i, j + 1}}}) {
      auto&& mark = seen[ni + g.size[0] * nj];
      if (mark || labels.at(ni, nj, k) != 0) continue;
      mark = true;
      queue.emplace_back(ni, nj);
    }
  }
  for (const auto index : region) w.set(index, static_cast<std::uint16_t>(e.label));
  return region.size();
}

// Squared distance (mm^2) along one line to the nearest sample whose `f` is 0 (lower envelope of parabolas,
// Felzenszwalb & Huttenlocher); `f` holds 0 at features, a large value elsewhere, or the previous pass's result.
void squared_distance_1d(std::vector<double>& f, double spacing) {
  const std::size_t n = f.size();
  std::vector<std::size_t> v(n);
  std::vector<double> z(n + 1);
  const auto p = [spacing](std::size_t q) { return static_cast<double>(q) * spacing; };
  const auto meet = [&](std::size_t q, std::size_t r) {
    return ((f[q] + p(q) * p(q)) - (f[r] + p(r) * p(r))) / (2 * (p(q) - p(r)));
  };
  std::size_t k = 0;
  v[0] = 0, z[0] = -1e300, z[1] = 1e300;
  for (std::size_t q = 1; q < n; ++q) {
    double s = meet(q, v[k]);
    while (k > 0 && s <= z[k]) s = meet(q, v[--k]);
    v[++k] = q, z[k] = s, z[k + 1] = 1e300;
  }
  std::vector<double> d(n);
  k = 0;
  for (std::size_t q = 0; q < n; ++q) {
    while (z[k + 1] < p(q)) ++k;
    d[q] = (p(q) - p(v[k])) * (p(q) - p(v[k])) + f[v[k]];
  }
  f = std::move(d);
}

// Exact in-plane distance (mm) of every voxel of slice k to the nearest voxel where `feature` is true.
std::vector<double> distance_on_slice(const std::vector<bool>& feature, const core::Geometry& g) {
  const std::size_t nx = g.size[0];
  const std::size_t ny = g.size[1];
  std::vector<double> d(nx * ny);
  for (std::size_t q = 0; q < d.size(); ++q) d[q] = feature[q] ? 0.0 : 1e20;
  std::vector<double> line;
  for (std::size_t j = 0; j < ny; ++j) {
    line.assign(d.begin() + static_cast<std::ptrdiff_t>(j * nx), d.begin() + static_cast<std::ptrdiff_t>((j + 1) * nx));
    squared_distance_1d(line, g.spacing_mm[0]);
    std::copy(line.begin(), line.end(), d.begin() + static_cast<std::ptrdiff_t>(j * nx));
  }
  line.resize(ny);
  for (std::size_t i = 0; i < nx; ++i) {
    for (std::size_t j = 0; j < ny; ++j) line[j] = d[i + nx * j];
    squared_distance_1d(line, g.spacing_mm[1]);
    for (std::size_t j = 0; j < ny; ++j) d[i + nx * j] = std::sqrt(line[j]);
  }
  return d;
}

// Signed in-plane distance to the outline of `label` on slice k: negative inside, positive outside.
std::vector<double> signed_distance(const LabelVolume& labels, std::uint16_t label, std::size_t k) {
  const auto& g = labels.geometry;
  const std::size_t n = g.size[0] * g.size[1];
  std::vector<bool> inside(n);
  for (std::size_t q = 0; q < n; ++q) inside[q] = labels.voxels[q + n * k] == label;
  std::vector<bool> outside(n);
  std::transform(inside.begin(), inside.end(), outside.begin(), [](bool b) { return !b; });
  const auto to_inside = distance_on_slice(inside, g);
  const auto to_outside = distance_on_slice(outside, g);
  std::vector<double> sd(n);
  for (std::size_t q = 0; q < n; ++q) sd[q] = inside[q] ? -to_outside[q] : to_inside[q];
  return sd;
}

bool slice_holds(const LabelVolume& labels, std::uint16_t label, std::size_t k) {
  const std::size_t n = labels.geometry.size[0] * labels.geometry.size[1];
  const auto first = labels.voxels.begin() + static_cast<std::ptrdiff_t>(n * k);
  return std::find(first, first + static_cast<std::ptrdiff_t>(n), label) != first + static_cast<std::ptrdiff_t>(n);
}

// Shape-based interpolation: the slices between the two end slices get the label where the linearly blended signed
// distances of its two end outlines are negative. Background and the label itself are rewritten, other labels kept.
std::size_t interpolate(Writer& w, const Edit& e, const std::string& subject) {
  const auto& labels = w.labels;
  const auto& g = labels.geometry;
  auto k0 = voxel_at(g, e.from_mm, subject)[2];
  auto k1 = voxel_at(g, e.to_mm, subject)[2];
  if (k0 > k1) std::swap(k0, k1);
  const auto label = static_cast<std::uint16_t>(e.label);
  for (const auto k : {k0, k1})
    if (!slice_holds(labels, label, k))
      throw core::MyoError(subject,
                           fmt::format("label {} is absent from the end slice {} of the interpolation", label, k));
  const auto d0 = signed_distance(labels, label, k0);
  const auto d1 = signed_distance(labels, label, k1);
  const std::size_t n = g.size[0] * g.size[1];
  for (std::size_t k = k0 + 1; k < k1; ++k) {
    const double t = static_cast<double>(k - k0) / static_cast<double>(k1 - k0);
    for (std::size_t q = 0; q < n; ++q) {
      const std::size_t index = q + n * k;
      const auto v = labels.voxels[index];
      const bool inside = (1 - t) * d0[q] + t * d1[q] < 0;
      if (inside && v == 0) w.set(index, label);
      else if (!inside && v == label) w.set(index, 0);
    }
  }
  return w.changed;
}

}  // namespace

std::size_t apply_edit(LabelVolume& labels, const Edit& edit, const std::string& subject,
                       std::vector<VoxelChange>* changes) {
  labels.check();
  Writer w{labels, changes};
  switch (edit.kind) {
    case EditKind::brush: return brush(w, edit, static_cast<std::uint16_t>(edit.label), subject);
    case EditKind::erase: return brush(w, edit, 0, subject);
    case EditKind::reassign: return reassign(w, edit, subject);
    case EditKind::fill: return fill(w, edit, subject);
    case EditKind::interpolate: return interpolate(w, edit, subject);
  }
  return 0;
}

std::size_t apply_edits(LabelVolume& labels, const EditLog& log, const std::string& subject) {
  std::size_t changed = 0;
  for (std::size_t i = 0; i < log.edits.size(); ++i) {
    try {
      changed += apply_edit(labels, log.edits[i], subject);
    } catch (const core::MyoError& e) {
      throw core::MyoError(subject,
                           fmt::format("edit {} ({}): {}", i, to_string(log.edits[i].kind), e.error().message));
    }
  }
  return changed;
}

}  // namespace myo::editing
