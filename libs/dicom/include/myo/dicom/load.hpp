#pragma once
// Building a 3D volume from one indexed series: slices sorted along the slice normal, rescale applied.
#include <string>
#include <vector>

#include "myo/core/error.hpp"
#include "myo/core/volume.hpp"
#include "myo/dicom/scan.hpp"

namespace myo::dicom {

struct LoadedSeries {
  SeriesInfo info;
  core::ImageVolume volume;           // real-world values (rescale slope/intercept applied), LPS geometry
  std::vector<std::string> warnings;  // e.g. "non-uniform slice spacing 5.0..5.5 mm"
};

// Errors name the series (UID and description) and what is wrong (missing slices, mixed orientation, ...).
[[nodiscard]] core::Result<LoadedSeries> load_series(const SeriesInfo& series);

}  // namespace myo::dicom
