#pragma once
// The change since a patient's previous visit, for the viewer and the report: compare's per-group arithmetic, the
// interval between the visits, and a voxel map of the fat fraction change with the previous visit registered onto
// the current grid.
#include <filesystem>
#include <optional>
#include <string>

#include "myo/core/volume.hpp"
#include "myo/pipeline/compare.hpp"
#include "myo/rendering/figures.hpp"

namespace myo::pipeline {

struct PreviousVisit {
  Comparison comparison;  // per group and side, previous -> current, with the repeatability flags
  // Current minus previous voxel fat fraction (points) on the grid asked for; NaN where either is unknown. Unset
  // when the previous visit could not be registered (`slice_note` says why).
  std::optional<core::ImageVolume> fat_fraction_change_points;
  std::string slice_note;  // how the slices show the change ("registered: ..." or why only per muscle)
};

// "change since YYYY-MM-DD, N months" (the legend of the change maps).
[[nodiscard]] std::string change_legend(const Comparison& comparison);
// The change per group and side as the viewer and report.html's 3D map colour it, with its legend; the voxel map
// and the slice note are left for the caller.
[[nodiscard]] rendering::ViewerChange change_colours(const Comparison& comparison);

// CURRENT and PREVIOUS are analysis folders of one patient. Refused (core::MyoError, input, naming PREVIOUS's
// report.json) when their patient pseudonyms differ or PREVIOUS was acquired after CURRENT.
void check_previous_visit(const std::filesystem::path& current, const std::filesystem::path& previous);

// The current analysis's maps as the caller has read them (AnalysisFolder), and the grid the change map is wanted on.
struct CurrentMaps {
  const core::Geometry& grid;
  const core::ImageVolume* water = nullptr;             // null when the analysis has none
  const core::ImageVolume* fat_fraction_pct = nullptr;  // null when the analysis has none
};

// compare_analyses and, with `maps`, the registered fat fraction change map on their grid. The caller has checked the
// pair with check_previous_visit.
[[nodiscard]] PreviousVisit load_previous_visit(const std::filesystem::path& current,
                                                const std::filesystem::path& previous,
                                                const CurrentMaps* maps = nullptr);

}  // namespace myo::pipeline
