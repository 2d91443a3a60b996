#pragma once
// DICOM results a radiologist reads in the PACS beside the patient's images: the axial slices with the fat fraction
// and edema overlays as a Secondary Capture series (one instance per slice), the report as Encapsulated PDF, and the
// edema mask as a DICOM SEG on the STIR series. Like results.hpp: all in the source study (same StudyInstanceUID,
// Patient module copied, optionally de-identified), each a new series, files written atomically, failures thrown as
// core::MyoError naming the output file or the source series; patient identifiers are never logged.
#include <filesystem>
#include <string>
#include <vector>

#include "myo/core/geometry.hpp"
#include "myo/core/image_placement.hpp"
#include "myo/core/volume.hpp"
#include "myo/dicom/results.hpp"

namespace myo::dicom {

// One slice image and where its image area lies in the patient (LPS): the top `image_rows` rows show the patient;
// rows below (a legend band) continue the same pixel grid.
struct PlacedRgbImage {
  RgbImage image;
  core::ImagePlacement placement;
};

struct OverlaySeriesOptions {
  std::string series_description = "MyoScope fat fraction and edema overlays";
  int series_number = 905;
  std::string image_comments = "Fat fraction (colour) and edema (red hatching) over the anatomy; muscle group "
                               "outlines; legend below the image";
};

// Secondary Capture Image Storage, one RGB instance per slice, all in one new series, written into `out_dir` as
// overlay_001.dcm, overlay_002.dcm, ... InstanceNumber follows the slices from head to feet (the order of a PACS's
// axial stacks), whatever the order given. Each instance carries what the SC IOD allows for a viewer to place and
// measure it: PatientOrientation (e.g. L\P), PixelSpacing with PixelSpacingCalibrationType GEOMETRY, and a
// SourceImageSequence reference to the source image at that slice (reference series of `context`).
// ImagePositionPatient, ImageOrientationPatient and SliceLocation are not part of the SC IOD and are left out.
// BurnedInAnnotation NO: the images carry a legend and orientation letters, never patient identifiers.
std::vector<WrittenObject> write_overlay_series(const std::vector<PlacedRgbImage>& slices, const ResultContext& context,
                                                const std::filesystem::path& out_dir,
                                                const OverlaySeriesOptions& options = {});

struct EncapsulatedPdfOptions {
  std::string document_title = "MyoScope report: quantitative muscle MRI of hips and thighs";
  std::string series_description = "MyoScope report";
  int series_number = 906;
  // The PDF shows patient identifiers unless the report was written de-identified (BurnedInAnnotation YES/NO).
  bool shows_patient_identifiers = true;
};

// Encapsulated PDF Storage (modality DOC) of `pdf_file` with its DocumentTitle, referencing the images of the
// reference series (SourceInstanceSequence). Throws core::MyoError naming `pdf_file` when it is missing, empty or no
// PDF.
WrittenObject write_encapsulated_pdf(const std::filesystem::path& pdf_file, const ResultContext& context,
                                     const std::filesystem::path& out_file,
                                     const EncapsulatedPdfOptions& options = {});

struct EdemaSegmentationOptions {
  std::string series_description = "MyoScope edema";
  int series_number = 907;
};

// DICOM SEG (BINARY) with one segment "Edema": category SCT 49755003 "Morphologically Altered Structure" (DICOM
// PS3.16 CID 7150), type SCT 79654002 "Edema" (CID 7159 Lesion Segmentation Type), written by the same writer as
// the muscle groups' SEG. `edema` (1 = edema) must lie on the grid of `context.reference_series`, the STIR series, so
// every frame references its STIR image. An empty mask gives a SEG with empty frames (edema looked for, none found).
WrittenObject write_edema_segmentation(const core::MaskVolume& edema, const ResultContext& context,
                                       const std::filesystem::path& out_file,
                                       const EdemaSegmentationOptions& options = {});

}  // namespace myo::dicom
