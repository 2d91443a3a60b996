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
// right then left). Segments are coded in SNOMED CT: category 123037004 "Anatomical Structure", type = the
// catalogue's code (127954009 "Skeletal muscle" for groups without an agreed code; SegmentLabel and TrackingID
// then tell them apart), laterality Right 24028007 / Left 7771000 in SegmentedPropertyTypeModifierCodeSequence
// (where dcmqi, Slicer and TotalSegmentator put it). Frames reference their source images
// (DerivationImageSequence/SourceImageSequence) and the source series (ReferencedSeriesSequence).
// `labels` must lie on the reference series' grid (the analysis grid). Labels that are not in the catalogue are
// skipped with a warning in the log.
WrittenObject write_segmentation(const core::LabelVolume& labels, const ResultContext& context,
                                 const std::filesystem::path& out_file, const SegmentationWriteOptions& options = {});

// Reads a DICOM SEG back into catalogue labels on `target` (usually the reference series' grid). Segments are
// mapped to catalogue labels by TrackingID ("<group>_<side>"), else by SNOMED type code + laterality, else by the
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
    out.push_back(std::move(m));
  }
  return out;
}

struct MeasurementReportOptions {
  std::string series_description = "MyoScope muscle measurements";
  int series_number = 902;
};

// Enhanced SR, TID 1500 Measurement Report (DCMTK dcmsr/cmr), one TID 1411 Volumetric ROI measurement
// group per muscle group and side: volume (mL, SCT 118565006), mean fat fraction (%, DCM 129100 with modifier
// Mean), median fat fraction, fat-replaced volume and edema fraction/volume (MyoScope codes, scheme 99MYO) where
// measured, each referencing its segment in `segmentation` (as returned by write_segmentation: segments are found
// by group and side) and the source series. Finding site: the group's SNOMED code with laterality.
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
