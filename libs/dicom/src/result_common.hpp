#pragma once
// Shared pieces of the DICOM result writers (results.hpp): reading the source series, the patient/study/frame of
// reference values every result object copies (optionally de-identified), the General Series / Equipment values,
// catalogue coding of segments, and atomic saving. Private to libs/dicom.
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcxfer.h>
#include <dcmtk/ofstd/ofcond.h>

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "myo/core/geometry.hpp"
#include "myo/core/muscle_catalog.hpp"
#include "myo/dicom/results.hpp"
#include "code_table.hpp"

namespace myo::dicom::detail {

// Throws core::MyoError(subject, what + DCMTK's reason) when `condition` is bad.
void check(const OFCondition& condition, const std::string& subject, const std::string& what);

// One image of the source series (a file, or one frame of an enhanced multi-frame file).
struct SourceImage {
  std::string sop_class_uid;
  std::string sop_instance_uid;  // pseudonymised when de-identifying
  core::Vec3 position{0, 0, 0};  // ImagePositionPatient
  int frame_number = 0;          // 1-based frame of a multi-frame file; 0 for single-frame images
};

// What every result object takes from the source: the Patient, General Study and Frame of Reference values
// (already de-identified when asked) and the source images for references.
struct SourceContext {
  std::string subject;                  // for error messages: "series <uid>" (never patient identifiers)
  std::vector<std::pair<DcmTagKey, std::string>> patient_study;  // written into every object
  std::string study_instance_uid;
  std::string series_instance_uid;     // of the source series
  std::string frame_of_reference_uid;
  std::string body_part_examined;
  std::string modality;                // of the source series ("MR")
  std::string software_version;
  bool deidentified = false;
  std::vector<SourceImage> images;

  // The source image whose position lies on slice k of `grid` (within a tenth of a slice and in plane), if any.
  [[nodiscard]] std::vector<const SourceImage*> images_per_slice(const core::Geometry& grid) const;
};

[[nodiscard]] SourceContext make_source_context(const ResultContext& context);

// Patient/study/frame of reference attributes (+ de-identification markers) into `item`, replacing what is there.
void put_patient_study(DcmItem& item, const SourceContext& source);
// The same for DCMTK's IOD importers (dcmseg, dcmpmap), which refuse to encode values that break their VR: control
// characters, backslashes or over-long values, as some exports carry in PatientID or names. Offending values are
// cleaned (or emptied) here only; the writers put the exact source values over them after encoding
// (put_patient_study on the final dataset), so the results still match the patient's images for the PACS.
void put_patient_study_for_import(DcmItem& item, const SourceContext& source);

// General Series + (Enhanced) General Equipment + SOP Common + content date/time values shared by all writers.
struct NewInstance {
  std::string series_instance_uid;
  std::string sop_instance_uid;
  std::string date;  // YYYYMMDD now
  std::string time;  // HHMMSS now
};
[[nodiscard]] NewInstance new_instance();
void put_series_equipment(DcmItem& item, const SourceContext& source, const NewInstance& instance,
                          const std::string& modality, int series_number, const std::string& series_description);

// Sets ReferencedFrameNumber in DerivationImageSequence[0].SourceImageSequence[0] of each per-frame functional group
// item f with per_frame[f] > 0 (frames of a multi-frame source). Done on the written dataset because DCMTK 3.6.7's
// ImageSOPInstanceReferenceMacro::setReferencedFrameNumber() refuses every value.
void put_source_frame_numbers(DcmItem& dataset, const std::vector<int>& per_frame, const std::string& subject);

// Writes `file` to `out_file` through core::write_atomically_with.
void save_atomically(DcmFileFormat& file, const std::filesystem::path& out_file,
                     E_TransferSyntax transfer_syntax = EXS_LittleEndianExplicit);

// How a catalogue group and side is coded in SEG and SR (code_table.hpp).
struct SegmentCoding {
  const core::MuscleGroup* group = nullptr;
  core::Side side = core::Side::right;
  const AnatomyCode* code = nullptr;  // the group's row of the code table, never null
  std::string type_code;              // code->structure as strings
  std::string type_meaning;
  std::string label;                  // "Quadriceps femoris right"
  std::string tracking_id;            // "quadriceps_right"
};
// Throws core::MyoError when the code table has no row for the group.
[[nodiscard]] SegmentCoding segment_coding(const core::MuscleGroup& group, core::Side side);

// CodingSchemeIdentificationSequence declaring MyoScope's private coding scheme (PS3.3 C.12.1.1.2) when any code in
// `dataset` uses it; the standard schemes (SCT, DCM, UCUM, MDC) are defined by PS3.16 and need no entry.
void put_coding_scheme_identification(DcmItem& dataset, const std::string& subject);

[[nodiscard]] std::string format_ds(double value);  // DICOM DS (<= 16 characters)

}  // namespace myo::dicom::detail
