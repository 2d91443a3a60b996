// Which series an analysis uses, and whether each channel covers the reference series' grid: the same choice and the
// same rule for `scan` (from the headers) and `analyze` (on the loaded volumes).
#include <fmt/format.h>

#include <algorithm>

#include "myo/core/coverage.hpp"
#include "myo/dicom/scan.hpp"
#include "scan_internal.hpp"

namespace myo::dicom {

bool preferred_series(const SeriesInfo& candidate, const SeriesInfo& best) {
  const bool axial = candidate.orientation == "axial", best_axial = best.orientation == "axial";
  return axial != best_axial ? axial : candidate.slice_count > best.slice_count;
}

namespace {

const SeriesInfo* choose(const std::vector<SeriesInfo>& series, SeriesRole role, bool axial_only = false) {
  const SeriesInfo* best = nullptr;
  for (const auto& s : series) {
    if (s.role != role) continue;
    if (axial_only && s.orientation != "axial") continue;
    if (!best || preferred_series(s, *best)) best = &s;
  }
  return best;
}

}  // namespace

ChosenSeries choose_series(const std::vector<SeriesInfo>& series) {
  ChosenSeries out;
  out.water = choose(series, SeriesRole::dixon_water);
  out.fat = choose(series, SeriesRole::dixon_fat);
  out.t1 = choose(series, SeriesRole::t1, true);
  out.stir = choose(series, SeriesRole::stir, true);
  if (!out.stir) out.stir = choose(series, SeriesRole::stir);
  out.fat_fraction_map = choose(series, SeriesRole::fat_fraction_map);
  out.t2_map = choose(series, SeriesRole::t2_map);
  return out;
}

std::string series_label(const SeriesInfo& series) {
  return fmt::format("'{}' (#{})", series.description, series.series_number);
}

std::string coverage_problem(const SeriesInfo& reference, const core::GridCoverage& coverage) {
  if (coverage.complete()) return {};
  const std::string covers =
      fmt::format("covers {:.1f} % of the grid of reference series {}", coverage.covered_pct, series_label(reference));
  if (!coverage.misses_middle()) return covers + "; misses only the margins of its slices";
  return covers + fmt::format("; misses the middle of its slices at z {:.0f} to {:.0f} mm", (*coverage.uncovered_z_mm)[0],
                              (*coverage.uncovered_z_mm)[1]);
}

namespace detail {

void add_coverage_problems(StudyInfo& study) {
  auto& series = study.series;
  const auto chosen = choose_series(series);
  const bool dixon = chosen.water && chosen.fat;
  const SeriesInfo* reference = dixon ? chosen.water : chosen.t1;
  if (!reference || !reference->geometry) return;
  const auto stations = find_stations(series);
  const auto stitched = [&](const SeriesInfo* s) {
    const auto index = static_cast<std::size_t>(s - series.data());
    return std::any_of(stations.begin(), stations.end(), [&](const auto& group) {
      return std::find(group.begin(), group.end(), index) != group.end();
    });
  };
  if (stitched(reference)) return;
  std::vector<SeriesInfo*> channels;
  for (const SeriesInfo* s :
       {dixon ? chosen.fat : nullptr, chosen.t1, chosen.stir, chosen.fat_fraction_map, chosen.t2_map})
    if (s && s != reference && s->geometry && !stitched(s)) channels.push_back(&series[static_cast<std::size_t>(s - series.data())]);
  // Margins of the field of view are normal (air); a channel missing the middle of reference slices is not.
  for (auto* channel : channels) {
    const auto coverage = core::grid_coverage(*channel->geometry, *reference->geometry);
    if (coverage.misses_middle()) channel->problems.push_back(coverage_problem(*reference, coverage));
  }
}

}  // namespace detail
}  // namespace myo::dicom
