#pragma once
// Pixel decoding: stored values (any bit depth up to 32, signed or unsigned, any supported transfer syntax) to
// real-world float values with each frame's rescale slope/intercept.
#include <dcmtk/dcmdata/dcdatset.h>

#include <utility>
#include <vector>

#include "header.hpp"

namespace myo::dicom::detail {

// Slope and intercept of one frame (index into header.frames) as the decoder applies them, Philips' floating-point
// scaling included; throws core::MyoError naming the file when they would give values beyond the float range.
[[nodiscard]] std::pair<double, double> applied_rescale(const FileHeader& header, std::size_t frame,
                                                        bool philips_float_scaling);

// Writes rows*columns real-world values of each requested frame (indices into header.frames) to
// `destinations[n]` (one pointer per requested frame, each with room for rows*columns floats): the loader decodes
// straight into its volume. Throws core::MyoError naming the file on any decoding problem.
void decode_frames_into(DcmDataset& dataset, const FileHeader& header, const std::vector<std::size_t>& frames,
                        bool philips_float_scaling, const std::vector<float*>& destinations);

// The same into one new buffer per requested frame.
[[nodiscard]] std::vector<std::vector<float>> decode_frames(DcmDataset& dataset, const FileHeader& header,
                                                            const std::vector<std::size_t>& frames,
                                                            bool philips_float_scaling = false);

}  // namespace myo::dicom::detail
