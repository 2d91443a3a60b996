#pragma once
// Pixel decoding: stored values (any bit depth up to 32, signed or unsigned, any supported transfer syntax) to
// real-world float values with each frame's rescale slope/intercept.
#include <dcmtk/dcmdata/dcdatset.h>

#include <vector>

#include "header.hpp"

namespace myo::dicom::detail {

// Returns one buffer of rows*columns real-world values per requested frame (indices into header.frames).
// Throws core::MyoError naming the file on any decoding problem.
[[nodiscard]] std::vector<std::vector<float>> decode_frames(DcmDataset& dataset, const FileHeader& header,
                                                            const std::vector<std::size_t>& frames,
                                                            bool philips_float_scaling = false);

}  // namespace myo::dicom::detail
