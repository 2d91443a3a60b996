#pragma once
// How frames of parsed files become SeriesInfo entries (grouping, splitting, roles); private to libs/dicom.
#include <vector>

#include "header.hpp"
#include "myo/dicom/scan.hpp"

namespace myo::dicom::detail {

// Groups the frames of the given files into series and split parts, with roles decided.
[[nodiscard]] std::vector<SeriesInfo> build_series(const std::vector<const FileHeader*>& headers);

// Adds a problem to each channel series of the study (fat, T1, STIR, fat-fraction map, T2 map, chosen as `analyze`
// chooses them) that does not cover the reference series' grid, from the headers. Series stitched from table
// positions are left to `analyze`, which checks the stitched volume.
void add_coverage_problems(StudyInfo& study);

}  // namespace myo::dicom::detail
