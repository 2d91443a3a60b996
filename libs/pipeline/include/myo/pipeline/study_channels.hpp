#pragma once
// The images one analysis works on: the reference series (Dixon water, else T1) and the other channels brought onto
// its grid, with the series chosen by role.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "myo/core/volume.hpp"
#include "myo/dicom/scan.hpp"
#include "myo/segmentation/segment.hpp"

namespace myo::pipeline {

struct StudyChannels {
  dicom::StudyInfo study;
  bool dixon = false;
  std::optional<core::ImageVolume> water, fat, t1, stir;
  std::vector<std::string> warnings;  // each names the series it concerns
  std::string reference_description;
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
