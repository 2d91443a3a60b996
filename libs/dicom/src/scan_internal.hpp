#pragma once
// How frames of parsed files become SeriesInfo entries (grouping, splitting, roles); private to libs/dicom.
#include <vector>

#include "header.hpp"
#include "myo/dicom/scan.hpp"

namespace myo::dicom::detail {

// Groups the frames of the given files into series and split parts, with roles decided.
[[nodiscard]] std::vector<SeriesInfo> build_series(const std::vector<const FileHeader*>& headers);

}  // namespace myo::dicom::detail
