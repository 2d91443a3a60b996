#pragma once
// The file names of an analysis folder (`analyze -o`, a batch's or node's per-study folder), written down once.
// pipeline::AnalysisFolder reads and writes the folder through them; timeline, which sees only core, finds
// analyses by them.
#include <string_view>

namespace myo::core::analysis_files {

inline constexpr std::string_view kReport = "report.json";
inline constexpr std::string_view kMeasurements = "measurements.csv";
inline constexpr std::string_view kLabels = "labels.nii.gz";               // muscle groups, catalogue values
inline constexpr std::string_view kMuscleLabels = "muscle_labels.nii.gz";  // single muscles, when segmented
inline constexpr std::string_view kFatFraction = "fat_fraction.nii.gz";
inline constexpr std::string_view kWaterT2 = "water_t2_ms.nii.gz";  // on the multi-echo series' grid
inline constexpr std::string_view kWater = "water.nii.gz";          // display series, labels' grid
inline constexpr std::string_view kT1 = "t1.nii.gz";
inline constexpr std::string_view kStir = "stir.nii.gz";
inline constexpr std::string_view kEdemaMask = "edema_mask.nii.gz";
inline constexpr std::string_view kBone = "bone.nii.gz";
inline constexpr std::string_view kComparison = "comparison.json";
inline constexpr std::string_view kReportPdf = "report.pdf";
inline constexpr std::string_view kReportHtml = "report.html";
inline constexpr std::string_view kSegmentationManifest = "segmentation.json";  // `segment -o`
inline constexpr std::string_view kBatchManifest = "batch.json";
inline constexpr std::string_view kServeManifest = "serve.json";
inline constexpr std::string_view kFigures = "figures";
inline constexpr std::string_view kDicom = "dicom";
inline constexpr std::string_view kDicomSegmentation = "segmentation.dcm";  // inside dicom/
inline constexpr std::string_view kCorrectedLabels = "corrected_labels.nii.gz";
inline constexpr std::string_view kEditLog = "edit_log.json";
inline constexpr std::string_view kScene = "scene.glb";
// A reader's corrected version is a folder "corrected-N" (N = 1, 2, ...) inside the analysis it corrects.
inline constexpr std::string_view kCorrectedVersionPrefix = "corrected-";

}  // namespace myo::core::analysis_files
