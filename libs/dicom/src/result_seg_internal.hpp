#pragma once
// The binary SEG writer behind write_segmentation (muscle groups) and write_edema_segmentation: one segment per
// SegmentSpec, frames from the voxels of a label volume that hold the segment's value. Private to libs/dicom.
#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "myo/core/volume.hpp"
#include "myo/dicom/results.hpp"
#include "code_table.hpp"

namespace myo::dicom::detail {

struct SegmentSpec {
  std::uint16_t value = 0;  // voxels of the label volume that belong to the segment
  std::string label;        // SegmentLabel (LO, <= 64 characters)
  std::string description;
  Code category;                   // SegmentedPropertyCategory (PS3.16 CID 7150)
  Code type;                       // SegmentedPropertyType
  std::optional<Code> laterality;  // type modifier, and the anatomic region's modifier
  std::optional<Code> region;      // AnatomicRegionSequence; none: not written
  std::string tracking_id;
  std::array<int, 3> color_rgb{255, 255, 255};  // RecommendedDisplayCIELabValue
};

// ContentLabel / ContentDescription of the SEG.
struct SegmentationContent {
  std::string label;
  std::string description;
};

// `labels` on the reference series' grid of `context`; `segments` in the order they are numbered.
WrittenObject write_binary_segmentation(const core::LabelVolume& labels, const std::vector<SegmentSpec>& segments,
                                        const ResultContext& context, const std::filesystem::path& out_file,
                                        const SegmentationWriteOptions& options, const SegmentationContent& content);

}  // namespace myo::dicom::detail
