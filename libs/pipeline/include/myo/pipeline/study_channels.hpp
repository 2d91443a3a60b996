#pragma once
// The images one analysis works on: the reference series (Dixon water, else T1) and the other channels brought onto
// its grid, with the series chosen by role.
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "myo/core/coverage.hpp"
#include "myo/core/volume.hpp"
#include "myo/dicom/scan.hpp"
#include "myo/segmentation/segment.hpp"

namespace myo::quantification {
struct WaterFatSeparationMethod;
}

namespace myo::pipeline {

// A channel brought onto the reference grid: which series, how its grid relates to the reference, and where it has
// data (see core::covered_voxels).
struct ChannelCoverage {
  std::string channel;  // "fat", "t1", "stir", "scanner_fat_fraction", "t2_map"
  const dicom::SeriesInfo* series = nullptr;  // points into StudyChannels::study.series
  core::GridCoverage grid;
  std::optional<core::MaskVolume> covered;  // on the reference grid; null when the channel covers all of it
};

struct StudyChannels {
  StudyChannels() = default;
  StudyChannels(StudyChannels&&) = default;  // the series pointers below stay valid: they point into study.series
  StudyChannels& operator=(StudyChannels&&) = default;
  StudyChannels(const StudyChannels&) = delete;
  StudyChannels& operator=(const StudyChannels&) = delete;

  dicom::StudyInfo study;  // with the role overrides applied
  bool dixon = false;
  // The series chosen for each use (null when the protocol lacks it); they point into study.series.
  const dicom::SeriesInfo* reference_series = nullptr;
  const dicom::SeriesInfo* fat_series = nullptr;
  const dicom::SeriesInfo* t1_series = nullptr;
  const dicom::SeriesInfo* stir_series = nullptr;
  const dicom::SeriesInfo* fat_fraction_map_series = nullptr;
  const dicom::SeriesInfo* t2_map_series = nullptr;
  // All on the reference series' grid.
  std::optional<core::ImageVolume> water, fat, t1, stir;
  std::optional<core::Geometry> stir_acquired_geometry;  // the STIR's own grid, before it was brought onto the reference
  std::optional<core::ImageVolume> scanner_fat_fraction_pct;  // the scanner's own fat-fraction map, in percent
  std::optional<core::ImageVolume> t2_map_ms;
  // The echoes of a multi-echo spin-echo train (role t2_multi_echo), pointing into study.series. They are loaded
  // when the fit runs (load_echo_train), not here: held through segmentation they would raise the peak memory.
  std::vector<const dicom::SeriesInfo*> echo_train_series;
  // Without the scanner's water and fat images, water and fat computed from raw echoes (role dixon_echo): the parts
  // used (pointing into study.series; the reference series is the first echo's magnitude) and how they were separated.
  std::vector<const dicom::SeriesInfo*> dixon_echo_series;
  std::shared_ptr<const quantification::WaterFatSeparationMethod> water_fat_separation;
  // Series the study holds but the analysis could not use (raw echoes that could not be separated): each makes the
  // result partial (exit 4) and is listed in report.json's problems.
  std::vector<std::string> problems;
  // Every channel loaded from a series of its own, in the order above; the ones that miss part of the reference grid
  // carry a mask of what they cover.
  std::vector<ChannelCoverage> coverage;
  std::vector<std::string> warnings;  // each names the series or file it concerns
  std::size_t unreadable_files = 0;   // files under the input that could not be read (skipped, and warned about)
  double scan_seconds = 0;
  double load_seconds = 0;
  [[nodiscard]] const core::Geometry& reference_grid() const { return dixon ? water->geometry : t1->geometry; }
  // Where `channel` has data on the reference grid; null when it covers all of it (or was not loaded).
  [[nodiscard]] const core::MaskVolume* covered(const std::string& channel) const {
    for (const auto& c : coverage)
      if (c.channel == channel && c.covered) return &*c.covered;
    return nullptr;
  }
  // Whether `channel` misses the middle of some reference slice (see core::GridCoverage::misses_middle).
  [[nodiscard]] bool misses_middle(const std::string& channel) const {
    for (const auto& c : coverage)
      if (c.channel == channel && c.grid.misses_middle()) return true;
    return false;
  }
  // A channel that misses the middle of reference slices would cut the muscles there out of the segmentation (it
  // reads as no signal): such a fat image is left out, and the T1, else the water alone, is segmented.
  [[nodiscard]] segmentation::SegmentationInput segmentation_input() const {
    const bool fat_whole = fat && !misses_middle("fat");
    const bool t1_whole = t1 && !misses_middle("t1");
    return {water ? &*water : nullptr, fat_whole ? &*fat : nullptr, t1_whole ? &*t1 : nullptr,
            stir ? &*stir : nullptr};
  }
};

// Scans `input` (one study, or the one with `study_uid`), applies SERIES=ROLE overrides and loads the channels;
// table positions of one series are stitched. Throws MyoError naming the input or series.
[[nodiscard]] StudyChannels load_study_channels(const std::filesystem::path& input,
                                                const std::vector<std::string>& role_overrides,
                                                const std::string& study_uid = {});

}  // namespace myo::pipeline
