#include "stack.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <fmt/format.h>

namespace myo::dicom::detail {
namespace {

// DS values carry ~16 significant characters; cosines written by different vendors agree to about 1e-5.
constexpr double kOrientationTolerance = 1e-3;
constexpr double kDuplicateTolerance_mm = 0.01;
// Patient coordinates are measured from the scanner's isocentre: no slice of a body is 100 m away from it. Beyond
// that a position is a broken header, and float arithmetic downstream would lose the voxel spacing.
constexpr double kMaxPosition_mm = 1e5;

bool same_orientation(const std::array<double, 6>& a, const std::array<double, 6>& b) {
  for (std::size_t i = 0; i < 6; ++i) {
    if (std::abs(a[i] - b[i]) > kOrientationTolerance) return false;
  }
  return true;
}

}  // namespace

std::size_t count_orientations(const std::vector<SliceGeometry>& slices) {
  std::vector<std::array<double, 6>> distinct;
  for (const auto& s : slices) {
    if (!s.orientation) continue;
    const bool known = std::any_of(distinct.begin(), distinct.end(),
                                   [&](const auto& o) { return same_orientation(o, *s.orientation); });
    if (!known) distinct.push_back(*s.orientation);
  }
  return distinct.size();
}

VolumeSplit split_into_volumes(const std::vector<SliceGeometry>& slices, const std::vector<std::size_t>& rank) {
  VolumeSplit split;
  std::vector<std::size_t> all(slices.size());
  std::iota(all.begin(), all.end(), std::size_t{0});
  const bool positioned = std::all_of(slices.begin(), slices.end(), [](const auto& s) { return s.position && s.orientation; });
  if (slices.empty() || !positioned || count_orientations(slices) != 1) {
    split.volumes.push_back(all);  // plan_stack reports what is wrong
    return split;
  }
  // Group by position along the normal, then by acquisition rank within a position.
  const auto& iop = *slices.front().orientation;
  const core::Vec3 normal = core::cross(core::normalized({iop[0], iop[1], iop[2]}), core::normalized({iop[3], iop[4], iop[5]}));
  std::vector<double> distance(slices.size());
  for (std::size_t i = 0; i < slices.size(); ++i) distance[i] = core::dot(*slices[i].position, normal);
  std::vector<std::size_t> position_of_rank(slices.size());
  for (std::size_t r = 0; r < rank.size(); ++r) position_of_rank[rank[r]] = r;
  std::sort(all.begin(), all.end(), [&](std::size_t a, std::size_t b) { return distance[a] < distance[b]; });
  std::vector<std::vector<std::size_t>> positions;
  for (std::size_t k = 0; k < all.size(); ++k) {
    if (k == 0 || distance[all[k]] - distance[all[k - 1]] >= kDuplicateTolerance_mm) positions.emplace_back();
    positions.back().push_back(all[k]);
  }
  const std::size_t count = positions.front().size();
  for (const auto& p : positions) {
    if (p.size() != count) {
      split.error = fmt::format("{} images at {} slice positions, but not the same number at every position "
                                "(an image of some volume is missing)", slices.size(), positions.size());
      return split;
    }
  }
  split.volumes.assign(count, {});
  for (auto& p : positions) {
    std::sort(p.begin(), p.end(), [&](std::size_t a, std::size_t b) { return position_of_rank[a] < position_of_rank[b]; });
    for (std::size_t v = 0; v < count; ++v) split.volumes[v].push_back(p[v]);
  }
  return split;
}

namespace {

// Images with no position or orientation.
long count_missing_geometry(const std::vector<SliceGeometry>& slices) {
  return std::count_if(slices.begin(), slices.end(), [](const auto& s) { return !s.position || !s.orientation; });
}

// Sizes and pixel spacing must agree, or voxels of different slices would not line up; zero, negative (or absurd)
// spacing would give a volume without extent or a mirrored one.
void check_in_plane_grid(const std::vector<SliceGeometry>& slices, std::vector<std::string>& errors) {
  const auto& first = slices.front();
  for (const auto& s : slices) {
    if (s.rows != first.rows || s.columns != first.columns) {
      errors.push_back(fmt::format("mixed image sizes ({}x{} and {}x{} columns x rows)", first.columns, first.rows,
                                   s.columns, s.rows));
      break;
    }
  }
  for (const auto& s : slices) {
    if (s.pixel_spacing.has_value() != first.pixel_spacing.has_value() ||
        (s.pixel_spacing && (std::abs((*s.pixel_spacing)[0] - (*first.pixel_spacing)[0]) > 1e-3 ||
                             std::abs((*s.pixel_spacing)[1] - (*first.pixel_spacing)[1]) > 1e-3))) {
      errors.emplace_back("mixed pixel spacing within the series");
      break;
    }
  }
  if (first.pixel_spacing && !((*first.pixel_spacing)[0] > 0.0 && (*first.pixel_spacing)[1] > 0.0 &&
                               (*first.pixel_spacing)[0] < 1e4 && (*first.pixel_spacing)[1] < 1e4)) {
    errors.push_back(fmt::format("PixelSpacing {}\\{} mm is not a positive spacing", (*first.pixel_spacing)[0],
                                 (*first.pixel_spacing)[1]));
  }
}

// One orientation, positions on every image or on none, and positions that lie in a scanner.
void check_placement(const std::vector<SliceGeometry>& slices, std::size_t distinct_orientations,
                     std::vector<std::string>& errors) {
  if (distinct_orientations > 1) {
    errors.push_back(fmt::format("mixed orientations ({} different ImageOrientationPatient values)", distinct_orientations));
  }
  const auto missing_geometry = count_missing_geometry(slices);
  if (missing_geometry > 0 && missing_geometry != static_cast<long>(slices.size())) {
    errors.push_back(fmt::format("{} of {} images lack ImagePositionPatient/ImageOrientationPatient", missing_geometry,
                                 slices.size()));
  }
  for (const auto& s : slices) {
    if (s.position && std::any_of(s.position->begin(), s.position->end(),
                                  [](double v) { return !(std::abs(v) <= kMaxPosition_mm); })) {
      errors.push_back(fmt::format("ImagePositionPatient ({:g}, {:g}, {:g}) mm lies beyond 100 m of the scanner's "
                                   "isocentre: not a position in a scanner",
                                   (*s.position)[0], (*s.position)[1], (*s.position)[2]));
      break;
    }
  }
}

// Every slice must sit on the line through the first one along the normal (no in-plane shift between slices).
bool check_aligned(const std::vector<SliceGeometry>& slices, StackPlan& plan, const core::Vec3& row,
                   const core::Vec3& column) {
  const auto& g = plan.geometry;
  const double in_plane_tolerance = std::max(0.05, 0.05 * std::min(g.spacing_mm[0], g.spacing_mm[1]));
  for (std::size_t k = 1; k < plan.order.size(); ++k) {
    const auto& p = *slices[plan.order[k]].position;
    const core::Vec3 d{p[0] - g.origin_mm[0], p[1] - g.origin_mm[1], p[2] - g.origin_mm[2]};
    const double shift = std::hypot(core::dot(d, row), core::dot(d, column));
    if (shift > in_plane_tolerance) {
      plan.errors.push_back(fmt::format("slice {} is shifted {:.3f} mm in-plane relative to the first slice", k, shift));
      return false;
    }
  }
  return true;
}

// The slice spacing from the sorted positions along the normal (`distance` in plan order): duplicated positions,
// missing slices and spacing that varies beyond the warning limit are errors; small variation is a warning and the
// mean spacing is used.
void set_slice_spacing(const std::vector<double>& distance, StackPlan& plan, const StackOptions& options) {
  std::vector<double> gaps;
  for (std::size_t k = 1; k < plan.order.size(); ++k) gaps.push_back(distance[plan.order[k]] - distance[plan.order[k - 1]]);
  const auto duplicates = std::count_if(gaps.begin(), gaps.end(), [](double d) { return d < kDuplicateTolerance_mm; });
  if (duplicates > 0) {
    plan.errors.push_back(fmt::format(
        "duplicated slice positions ({} images at {} distinct positions): the series holds several volumes "
        "(time points, echoes or repeats) at the same positions",
        plan.order.size(), plan.order.size() - static_cast<std::size_t>(duplicates)));
    return;
  }
  std::vector<double> sorted_gaps = gaps;
  std::sort(sorted_gaps.begin(), sorted_gaps.end());
  const double median = sorted_gaps[sorted_gaps.size() / 2];
  for (std::size_t k = 0; k < gaps.size(); ++k) {
    if (gaps[k] > 1.5 * median) {
      const auto missing = static_cast<long>(std::lround(gaps[k] / median)) - 1;
      plan.errors.push_back(fmt::format(
          "missing slice(s): gap of {:.3f} mm between sorted slices {} and {} where the spacing is {:.3f} mm "
          "(about {} slice(s) missing)",
          gaps[k], k, k + 1, median, missing));
      return;
    }
  }
  const double lo = sorted_gaps.front();
  const double hi = sorted_gaps.back();
  const double mean = (distance[plan.order.back()] - distance[plan.order.front()]) / static_cast<double>(gaps.size());
  const double deviation = std::max(hi - mean, mean - lo);
  if (deviation > 0.01 + 1e-3 * mean) {
    const auto text = fmt::format("non-uniform slice spacing {:.3f}..{:.3f} mm", lo, hi);
    if (deviation > options.max_warning_deviation * mean) {
      plan.errors.push_back(text);
      return;
    }
    plan.warnings.push_back(text + fmt::format(" (mean {:.3f} mm used)", mean));
  }
  plan.geometry.spacing_mm[2] = mean;
}

// Sorts the slices along the normal of the first orientation and places the grid there.
void place_along_normal(const std::vector<SliceGeometry>& slices, StackPlan& plan, const StackOptions& options,
                        double fallback_spacing) {
  auto& g = plan.geometry;
  const auto& iop = *slices.front().orientation;
  const core::Vec3 row = core::normalized({iop[0], iop[1], iop[2]});
  const core::Vec3 column = core::normalized({iop[3], iop[4], iop[5]});
  g.direction = core::direction_from_cosines(row, column);
  const core::Vec3 normal = g.axis(2);
  std::vector<double> distance(slices.size());
  for (std::size_t i = 0; i < slices.size(); ++i) distance[i] = core::dot(*slices[i].position, normal);
  // Position along the normal is the only trustworthy order: file names and InstanceNumber lie (PACS renumbering,
  // descending acquisitions, interleaved exports).
  std::stable_sort(plan.order.begin(), plan.order.end(), [&](std::size_t a, std::size_t b) { return distance[a] < distance[b]; });
  g.origin_mm = *slices[plan.order.front()].position;
  if (!check_aligned(slices, plan, row, column)) return;
  if (slices.size() == 1) {
    g.spacing_mm[2] = fallback_spacing;
    return;
  }
  set_slice_spacing(distance, plan, options);
}

}  // namespace

StackPlan plan_stack(const std::vector<SliceGeometry>& slices, const StackOptions& options) {
  StackPlan plan;
  if (slices.empty()) {
    plan.errors.emplace_back("no images");
    return plan;
  }
  const auto& first = slices.front();
  plan.distinct_orientations = count_orientations(slices);
  check_in_plane_grid(slices, plan.errors);
  check_placement(slices, plan.distinct_orientations, plan.errors);
  if (!plan.errors.empty()) return plan;

  auto& g = plan.geometry;
  g.size = {static_cast<std::size_t>(first.columns), static_cast<std::size_t>(first.rows), slices.size()};
  if (first.pixel_spacing) {
    // PixelSpacing is (row spacing = between rows, column spacing = between columns); x runs along a row.
    g.spacing_mm = {(*first.pixel_spacing)[1], (*first.pixel_spacing)[0], 1.0};
  } else {
    plan.warnings.emplace_back("no PixelSpacing: 1 mm assumed");
  }
  // SpacingBetweenSlices / SliceThickness of a single slice: only a positive value is a thickness.
  const double fallback_spacing =
      options.fallback_spacing_mm && *options.fallback_spacing_mm > 0.0 ? *options.fallback_spacing_mm : 1.0;
  plan.order.resize(slices.size());
  std::iota(plan.order.begin(), plan.order.end(), std::size_t{0});
  if (count_missing_geometry(slices) == 0) {
    place_along_normal(slices, plan, options, fallback_spacing);
  } else if (slices.size() > 1) {
    plan.errors.emplace_back("no ImagePositionPatient/ImageOrientationPatient: slice order unknown");
  } else {
    plan.warnings.emplace_back("no ImagePositionPatient/ImageOrientationPatient: identity geometry assumed");
    g.spacing_mm[2] = fallback_spacing;
  }
  return plan;
}

}  // namespace myo::dicom::detail
