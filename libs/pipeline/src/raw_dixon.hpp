#pragma once
// Dixon water and fat computed from a study's raw multi-echo gradient echoes (role dixon_echo). Private to pipeline.
#include <string>
#include <vector>

#include "myo/core/volume.hpp"
#include "myo/dicom/scan.hpp"
#include "myo/quantification/water_fat_separation.hpp"

namespace myo::pipeline::detail {

struct RawDixon {
  core::ImageVolume water, fat;  // magnitudes, on the echoes' grid
  quantification::WaterFatSeparationMethod method;
  std::vector<std::string> warnings;  // each names the series
};

// Loads the magnitude and phase parts of one acquisition (a group of find_dixon_echo_sets) and separates water and
// fat. Throws core::MyoError naming the series when the echoes do not hold together or cannot be separated.
[[nodiscard]] RawDixon dixon_from_echoes(const std::vector<dicom::SeriesInfo>& parts);

}  // namespace myo::pipeline::detail
