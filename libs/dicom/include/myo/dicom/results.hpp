#pragma once
// DICOM results that go back into the hospital PACS: a segmentation (SEG) of the muscle groups, a TID 1500
// measurement report (Enhanced SR) referencing it, a parametric map of the fat fraction and secondary
// captures of rendered figures. All objects belong to the source study (same StudyInstanceUID, Patient module and
// FrameOfReferenceUID as the source series) and get new series and SOP instance UIDs.
//
// Plain values in, files out. Every file is written atomically (core::write_atomically_with); failures throw
// core::MyoError naming the output file or the source series. Patient identifiers are never logged.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "myo/core/geometry.hpp"
#include "myo/core/volume.hpp"
#include "myo/dicom/scan.hpp"

namespace myo::dicom {

// Where the results belong.
struct ResultContext {
  // Patient/study values of the source. Used when the source files cannot be read; otherwise the Patient and
  // General Study modules are copied from the first file of `reference_series` (which has everything, including
  // StudyTime, StudyID and ReferringPhysicianName that StudyInfo does not keep). The StudyInstanceUID is always
  // study.study_instance_uid when it is set.
  StudyInfo study;
  // The source series the labels/values lie on: its files give the SOPInstanceUIDs, the FrameOfReferenceUID and
  // the position of each slice (so every SEG/map frame references the source image it was derived from).
  SeriesInfo reference_series;
  std::string software_version;  // empty: core::software_version()
  // DICOM PS3.15 Basic Application Level Confidentiality Profile: patient names/IDs/birth date, accession number,
  // referring physician, study ID and dates are removed or replaced; every UID (study, series, source SOP
  // instances, frame of reference) is replaced by a pseudonymous UID that is the same for the same input UID and
  // `pseudonym_key` (empty: a random key made once per process), so the objects of one run still reference each
  // other consistently. PatientIdentityRemoved = YES and DeidentificationMethodCodeSequence (DCM 113100) are set.
  bool deidentify = false;
  std::string pseudonym_key;
};

// The UIDs given to an object that was written (the SR references the SEG by them).
struct WrittenObject {
  std::filesystem::path file;
  std::string sop_class_uid;
  std::string sop_instance_uid;
  std::string series_instance_uid;
  std::vector<std::string> segments;  // SEG only: TrackingID ("<group>_<side>") of segment number i+1
};

struct SegmentationWriteOptions {
  // true (default): every segment has a frame for every slice of the volume, empty or not, so readers that rebuild
  // the volume from the frames alone keep the source geometry. false: empty frames are omitted (smaller file;
  // read_segmentation still places frames correctly because it uses each frame's ImagePositionPatient).
  bool keep_empty_slices = true;
  std::string series_description = "MyoScope muscle groups";
  int series_number = 901;
  // A corrected segmentation (`myoscope edit`): the SEG it is derived from, referenced in ReferencedSeriesSequence
  // (its series and instance) and named in ContentDescription; ContentLabel becomes "CORRECTED".
  std::optional<WrittenObject> derived_from;
  std::string content_creator_name;  // ContentCreatorName (0070,0084): the reader who corrected the labels
};

// The SOP class, instance and series UIDs of a DICOM object written earlier (e.g. an analysis's SEG), read from its
// header. Throws core::MyoError naming the file when it cannot be read.
[[nodiscard]] WrittenObject read_object_identity(const std::filesystem::path& file);

// DICOM Segmentation (BINARY), one segment per catalogue group and side present in `labels` (in catalogue order,
// right then left). Segments are coded from the code table (libs/dicom/src/code_table.cpp, docs/dicom-codes.md):
// category SCT 91723000 "Anatomical Structure", type = the group's code (SNOMED CT or PS3.16's MDC muscle codes;
// a documented private 99MYO code only for groups no standard list has), laterality Right 24028007 / Left 7771000 in
// SegmentedPropertyTypeModifierCodeSequence, and the region (hip or thigh) in AnatomicRegionSequence with the same
// laterality modifier. Frames reference their source images (DerivationImageSequence/SourceImageSequence) and the
// source series (ReferencedSeriesSequence). `labels` must lie on the reference series' grid (the analysis grid).
// Labels that are not in the catalogue are skipped with a warning in the log.
WrittenObject write_segmentation(const core::LabelVolume& labels, const ResultContext& context,
                                 const std::filesystem::path& out_file, const SegmentationWriteOptions& options = {});

// Reads a DICOM SEG back into catalogue labels on `target` (usually the reference series' grid). Segments are
// mapped to catalogue labels by TrackingID ("<group>_<side>"), else by type code + laterality, else by the
// segment label. Frames are placed by their ImagePositionPatient, so SEGs that omit empty slices, order frames
// differently or cover only part of the volume are read correctly; frames outside `target` or on another
// orientation/pixel spacing are an error naming the file. Overlapping segments: the later segment wins.
[[nodiscard]] core::LabelVolume read_segmentation(const std::filesystem::path& seg_file, const core::Geometry& target);
// True when `file` is a DICOM Segmentation object (reads the header only; false for NIfTI or unreadable files), so
// `--labels` can accept either.
[[nodiscard]] bool is_dicom_segmentation(const std::filesystem::path& file);
// The same on the grid the SEG itself describes (orientation, pixel spacing and the span of its frame positions,
// slice spacing from SpacingBetweenSlices or the frame positions).
[[nodiscard]] core::LabelVolume read_segmentation(const std::filesystem::path& seg_file);

// What the measurement report says about one muscle group and side. libs/dicom does not depend on
// libs/quantification (sibling libraries), so the report takes this plain struct; to_segment_measurements() below
// converts quantification::GroupMeasurement (or anything with the same field names).
struct SegmentMeasurement {
  std::string group;  // catalogue name, e.g. "quadriceps"
  core::Side side = core::Side::right;
  std::optional<double> volume_ml;
  std::optional<double> fat_fraction_pct;        // mean Dixon PDFF
  std::optional<double> fat_fraction_median_pct;
  std::optional<double> fat_replaced_volume_ml;
  std::optional<double> edema_fraction_pct;
  std::optional<double> edema_volume_ml;
  std::optional<double> stir_ratio;              // median STIR / normal-muscle reference
  std::optional<double> water_t2_ms;             // median water T2
  std::optional<int> mercuri_grade;              // original scale 1..4
  std::string mercuri_modified_grade;            // modified scale "0", "1", "2a", "2b", "3", "4"; empty: none
  std::optional<int> edema_grade;                // 0..3 by extent
  // Channels ("fat", "stir", "t2_map", as report.json's channel_coverage names them) whose numbers are withheld for
  // this group because their series covers too little of it: the SR records those values as not determined.
  std::vector<std::string> withheld_channels;
};

template <class GroupMeasurementLike>
[[nodiscard]] std::vector<SegmentMeasurement> to_segment_measurements(const std::vector<GroupMeasurementLike>& groups) {
  std::vector<SegmentMeasurement> out;
  out.reserve(groups.size());
  for (const auto& g : groups) {
    SegmentMeasurement m;
    m.group = g.group;
    m.side = g.side;
    m.volume_ml = g.volume_ml;
    m.fat_fraction_pct = g.fat_fraction_pct;
    m.fat_fraction_median_pct = g.fat_fraction_median_pct;
    m.fat_replaced_volume_ml = g.fat_replaced_volume_ml;
    m.edema_fraction_pct = g.edema_fraction_pct;
    m.edema_volume_ml = g.edema_volume_ml;
    m.stir_ratio = g.stir_ratio;
    m.water_t2_ms = g.water_t2_ms;
    m.mercuri_grade = g.mercuri_grade;
    m.mercuri_modified_grade = g.mercuri_modified_grade;
    m.edema_grade = g.edema_grade;
    out.push_back(std::move(m));
  }
  return out;
}

struct MeasurementReportOptions {
  std::string series_description = "MyoScope muscle measurements";
  int series_number = 902;
};

// Enhanced SR, TID 1500 Measurement Report (DCMTK dcmsr/cmr), one TID 1411 Volumetric ROI measurement group per
// muscle group and side, each referencing its segment in `segmentation` (as returned by write_segmentation: segments
// are found by group and side) and the source series; finding and finding site: the group's code with laterality.
// Measurements, where measured (concept names and UCUM units from the code table, docs/dicom-codes.md): volume (SCT
// 118565006, mL), fat fraction mean and median (DCM 129100, %), water T2 median (DCM 113065, ms), and with private
// 99MYO codes declared in CodingSchemeIdentificationSequence: fat-replaced volume, edema fraction and volume, STIR
// ratio ({ratio}); the Mercuri grades (original and modified) and the edema grade as text qualitative evaluations.
// A value that is not a finite number, or is withheld (withheld_channels), is written without a number and with
// its reason as numeric value qualifier (CID 42: "Not a number", "Value indeterminate"), never as a number.
WrittenObject write_measurement_report(const std::vector<SegmentMeasurement>& measurements,
                                       const ResultContext& context, const WrittenObject& segmentation,
                                       const std::filesystem::path& out_file,
                                       const MeasurementReportOptions& options = {});

struct ParametricMapOptions {
  std::string series_description;  // empty: "MyoScope <quantity>"
  int series_number = 903;
};

// Parametric Map IOD with 32-bit float pixels (FloatPixelData) and a Real World Value Mapping (identity mapping
// with `unit_ucum`, e.g. "%"), one frame per slice, on `values`' grid (must be the reference series' grid).
// `quantity`: "fat_fraction" is coded DCM 129100 "Fat fraction"; any other name gets a MyoScope code (99MYO).
WrittenObject write_parametric_map(const core::ImageVolume& values, const std::string& quantity,
                                   const std::string& unit_ucum, const ResultContext& context,
                                   const std::filesystem::path& out_file, const ParametricMapOptions& options = {});

// One rendered figure: 8-bit RGB, row by row, width*height*3 bytes.
struct RgbImage {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> rgb;
};

struct SecondaryCaptureOptions {
  std::string series_description = "MyoScope figures";
  int series_number = 904;
  std::string image_comments;  // e.g. "Fat fraction overlay, axial"
};

// Multi-frame True Color Secondary Capture: one frame per figure. Frames share one size: figures smaller than the
// largest are centred on black. BurnedInAnnotation is NO: figures must never show patient identifiers.
WrittenObject write_secondary_capture(const std::vector<RgbImage>& figures, const ResultContext& context,
                                      const std::filesystem::path& out_file,
                                      const SecondaryCaptureOptions& options = {});

}  // namespace myo::dicom
