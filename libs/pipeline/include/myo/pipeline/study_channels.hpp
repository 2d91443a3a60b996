#pragma once
// The images one analysis works on: the reference series (Dixon water, else T1) and the other channels brought onto
// its grid, with the series chosen by role.
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "myo/core/volume.hpp"
#include "myo/dicom/scan.hpp"
#include "myo/segmentation/segment.hpp"

namespace myo::quantification {
struct WaterFatSeparationMethod;
}

namespace myo::pipeline {

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
  std::vector<std::string> warnings;  // each names the series or file it concerns
  std::size_t unreadable_files = 0;   // files under the input that could not be read (skipped, and warned about)
  double scan_seconds = 0;
  double load_seconds = 0;
  [[nodiscard]] const core::Geometry& reference_grid() const { return dixon ? water->geometry : t1->geometry; }
  [[nodiscard]] segmentation::SegmentationInput segmentation_input() const {
    return {water ? &*water : nullptr, fat ? &*fat : nullptr, t1 ? &*t1 : nullptr, stir ? &*stir : nullptr};
  }
};

// Scans `input` (one study, or the one with `study_uid`), applies SERIES=ROLE overrides and loads the channels;
// table positions of one series are stitched. Throws MyoError naming the input or series.
[[nodiscard]] StudyChannels load_study_channels(const std::filesystem::path& input,
                                                const std::vector<std::string>& role_overrides,
                                                const std::string& study_uid = {});

}  // namespace myo::pipeline
