#include "landmarks.hpp"

#include <algorithm>
#include <cmath>

#include "inference.hpp"
#include "myo/core/muscle_catalog.hpp"
#include "myo/core/numbers.hpp"
#include "myo/core/statistics.hpp"
#include "slice_ops.hpp"

namespace myo::segmentation::detail {
namespace {

constexpr double kThighMinAreaMm2 = 5000;      // a thigh's cross-section; an arm beside the pelvis is smaller ...
constexpr double kThighPairRatio = 0.4;        // ... and far smaller than the trunk it lies beside
constexpr double kSingleLimbMaxWidthMm = 250;  // two adult thighs side by side are wider

slice::Grid slice_grid(const core::Geometry& g) {
  return {static_cast<int>(g.size[0]), static_cast<int>(g.size[1]), g.spacing_mm[0], g.spacing_mm[1]};
}

slice::Mask body_mask(const core::ImageVolume& image, std::size_t k, float threshold) {
  const auto n = image.geometry.size[0] * image.geometry.size[1];
  slice::Mask mask(n, 0);
  for (std::size_t p = 0; p < n; ++p) mask[p] = image.voxels[k * n + p] > threshold ? 1 : 0;
  return mask;
}

double slice_z(const core::Geometry& g, std::size_t k) {
  return g.index_to_physical(
      {0.5 * static_cast<double>(g.size[0] - 1), 0.5 * static_cast<double>(g.size[1] - 1), static_cast<double>(k)})[2];
}

bool thighs_separate(const slice::Grid& grid, const slice::Mask& body) {
  auto parts = slice::components(grid, body);
  std::sort(parts.begin(), parts.end(), [](const auto& a, const auto& b) { return a.area_mm2 > b.area_mm2; });
  return parts.size() >= 2 && parts[1].area_mm2 > kThighMinAreaMm2 &&
         parts[1].area_mm2 > kThighPairRatio * parts[0].area_mm2;
}

}  // namespace

double body_midline_x(const std::vector<BodyExtent>& extents) {
  std::vector<float> centres;
  for (const auto& e : extents)
    if (e.found) centres.push_back(static_cast<float>(0.5 * (e.x_lo + e.x_hi)));
  return centres.empty() ? 0.0 : core::percentile(centres, 0.5);
}

std::vector<bool> separate_thighs(const core::ImageVolume& image, float threshold) {
  const auto grid = slice_grid(image.geometry);
  std::vector<bool> out(image.geometry.size[2]);
  for (std::size_t k = 0; k < out.size(); ++k) out[k] = thighs_separate(grid, body_mask(image, k, threshold));
  return out;
}

std::optional<core::Side> single_limb_side(const std::vector<BodyExtent>& extents, const std::vector<bool>& separate) {
  std::vector<float> widths, centres;
  for (const auto& e : extents)
    if (e.found)
      widths.push_back(static_cast<float>(e.x_hi - e.x_lo)),
          centres.push_back(static_cast<float>(0.5 * (e.x_lo + e.x_hi)));
  if (widths.empty() || core::percentile(widths, 0.5) > kSingleLimbMaxWidthMm) return std::nullopt;
  if (std::find(separate.begin(), separate.end(), true) != separate.end()) return std::nullopt;
  return core::side_of_lps_x(core::percentile(centres, 0.5), 0.0);
}

std::optional<double> crotch_z(const core::Geometry& g, const std::vector<bool>& separate_by_slice) {
  std::vector<std::size_t> order(g.size[2]);
  for (std::size_t k = 0; k < order.size(); ++k) order[k] = k;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return slice_z(g, a) > slice_z(g, b); });
  std::vector<bool> separate;  // from the top down
  for (const std::size_t k : order) separate.push_back(separate_by_slice[k]);
  if (separate.empty() || separate.front()) return std::nullopt;
  for (std::size_t s = 0; s + 2 < separate.size(); ++s)
    if (separate[s] && separate[s + 1] && separate[s + 2]) return slice_z(g, order[s]);
  return std::nullopt;
}

std::optional<double> plausible_crotch(std::optional<double> crotch_z_mm, const core::LabelVolume& muscle_labels) {
  constexpr double kMaxDistanceMm = 80;
  constexpr std::size_t kMinVoxels = 50;
  if (!crotch_z_mm) return std::nullopt;
  const auto& catalog = core::MuscleCatalog::instance();
  const auto& g = muscle_labels.geometry;
  const auto plane = g.size[0] * g.size[1];
  std::optional<double> lowest;
  for (std::size_t k = 0; k < g.size[2]; ++k) {
    std::size_t count = 0;
    for (std::size_t p = 0; p < plane; ++p)
      if (const auto m = catalog.muscle_from_label(muscle_labels.voxels[k * plane + p]);
          m && m->muscle->group == "iliopsoas")
        ++count;
    if (count >= kMinVoxels && (!lowest || slice_z(g, k) < *lowest)) lowest = slice_z(g, k);
  }
  if (lowest && std::abs(*lowest - *crotch_z_mm) > kMaxDistanceMm) return std::nullopt;
  return crotch_z_mm;
}

core::MaskVolume enclosed_femur(const core::LabelVolume& muscle_labels) {
  const auto& g = muscle_labels.geometry;
  const auto grid = slice_grid(g);
  const auto n = g.size[0] * g.size[1];
  core::MaskVolume out(g, 0);
  for (std::size_t k = 0; k < g.size[2]; ++k) {
    slice::Mask muscle(n, 0);
    for (std::size_t p = 0; p < n; ++p) muscle[p] = muscle_labels.voxels[k * n + p] != 0 ? 1 : 0;
    slice::Mask filled = muscle;
    slice::fill_holes(grid, filled);
    for (std::size_t p = 0; p < n; ++p) filled[p] = filled[p] && !muscle[p] ? 1 : 0;
    for (const auto& hole : slice::components(grid, filled)) {
      if (hole.area_mm2 < 150 || hole.area_mm2 > 2500 || hole.touches_border) continue;
      double r2 = 0;
      for (const int p : hole.pixels) {
        const double dx = (p % grid.nx - hole.cx) * grid.sx_mm, dy = (p / grid.nx - hole.cy) * grid.sy_mm;
        r2 = std::max(r2, dx * dx + dy * dy);
      }
      if (hole.area_mm2 < 0.5 * core::kPi * r2) continue;  // not round: fat between muscles
      for (const int p : hole.pixels) out.voxels[k * n + static_cast<std::size_t>(p)] = 1;
    }
  }
  return out;
}

}  // namespace myo::segmentation::detail
