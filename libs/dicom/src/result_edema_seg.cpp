// The edema mask as a DICOM SEG on the STIR series, through the muscle groups' SEG writer.
#include <algorithm>

#include "myo/core/error.hpp"
#include "myo/dicom/pacs_results.hpp"
#include "result_seg_internal.hpp"

namespace myo::dicom {

namespace {

// Codes checked against DICOM PS3.16: CID 7150 Segmentation Property Category (49755003) and CID 7159 Lesion
// Segmentation Type (79654002). Neither is in DCMTK's dcmsr/codes/sct.h, which lists only the codes DCMTK's own
// templates use.
detail::SegmentSpec edema_segment() {
  detail::SegmentSpec spec;
  spec.value = 1;
  spec.label = "Edema";
  spec.description = "Muscle edema: STIR hyperintensity within the muscle groups";
  spec.category = {"SCT", "49755003", "Morphologically Altered Structure"};
  spec.type = {"SCT", "79654002", "Edema"};
  spec.tracking_id = "edema";
  spec.color_rgb = {236, 40, 20};  // the red of the edema overlays
  return spec;
}

}  // namespace

WrittenObject write_edema_segmentation(const core::MaskVolume& edema, const ResultContext& context,
                                       const std::filesystem::path& out_file,
                                       const EdemaSegmentationOptions& options) {
  edema.check();
  core::LabelVolume labels(edema.geometry, 0);
  std::transform(edema.voxels.begin(), edema.voxels.end(), labels.voxels.begin(),
                 [](std::uint8_t v) { return static_cast<std::uint16_t>(v != 0 ? 1 : 0); });
  SegmentationWriteOptions seg_options;
  seg_options.keep_empty_slices = true;  // an empty frame says "looked at, no edema"
  seg_options.series_description = options.series_description;
  seg_options.series_number = options.series_number;
  return detail::write_binary_segmentation(labels, {edema_segment()}, context, out_file, seg_options,
                                           {"EDEMA", "MyoScope muscle edema"});
}

}  // namespace myo::dicom
