#pragma once
// The header values MyoScope uses, read once from a dataset into plain structs, for classic single-frame images and
// Enhanced MR multi-frame objects alike (one FrameHeader per image/frame).
#include <dcmtk/dcmdata/dcdatset.h>

#include <array>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "myo/core/geometry.hpp"

namespace myo::dicom::detail {

struct FrameHeader {
  int frame_index = 0;  // 0 for classic images; frame number - 1 in multi-frame objects
  std::optional<core::Vec3> position;                 // ImagePositionPatient
  std::optional<std::array<double, 6>> orientation;   // ImageOrientationPatient
  std::optional<std::array<double, 2>> pixel_spacing; // row spacing, column spacing (PixelSpacing order)
  std::optional<double> slice_thickness_mm;
  std::string image_type;         // ImageType, or per-frame FrameType
  std::string siemens_image_type_text;  // (0021,1175) on Siemens XA classic exports
  std::string complex_component;  // ComplexImageComponent
  std::optional<double> echo_time_ms;
  std::optional<double> repetition_time_ms;
  std::optional<double> inversion_time_ms;
  int echo_number = 0;
  int temporal_index = 0;  // TemporalPositionIndex or 0
  double slope = 1.0;
  double intercept = 0.0;
  std::optional<double> philips_scale_slope;  // (2005,100E), classic top level or per-frame private item
};

struct FileHeader {
  std::filesystem::path path;
  std::string sop_class_uid;
  std::string sop_instance_uid;
  std::string transfer_syntax_uid;
  bool multi_frame = false;
  std::string patient_id, patient_name, patient_birth_date, patient_sex, issuer_of_patient_id;
  std::string study_uid, study_date, study_description, accession_number, institution;
  std::string series_uid, series_description, protocol_name, modality, manufacturer;
  int series_number = 0;
  int instance_number = 0;
  std::string sequence_name, scanning_sequence, sequence_variant, scan_options;
  std::string philips_image_type;  // (2005,1011)
  std::optional<double> spacing_between_slices_mm;
  std::optional<double> field_strength_t;  // MagneticFieldStrength (0018,0087)
  std::optional<double> flip_angle_deg;    // FlipAngle (0018,1314), top level or in a functional group
  std::string in_plane_phase_encoding;     // InPlanePhaseEncodingDirection (0018,1312): ROW or COL (COLUMN on Enhanced MR)
  std::optional<bool> phase_encoding_positive;  // polarity, where the vendor records it (Siemens, GE)
  int rows = 0, columns = 0;
  int bits_allocated = 0, bits_stored = 0, high_bit = 0, pixel_representation = 0, samples_per_pixel = 1;
  int number_of_frames = 1;
  std::string photometric;
  // Siemens mosaic (fMRI/DWI): one stored image holds a grid of slices; frames are then its tiles.
  int mosaic_tiles_per_row = 0;  // 0 = not a mosaic
  int frame_rows = 0;            // rows/columns of one frame (tile size for mosaics, else Rows/Columns)
  int frame_columns = 0;
  std::vector<FrameHeader> frames;
};

// What orders the images of repeated positions (their order of acquisition), as dcm2niix orders the volumes of its
// dcm_qa references: echo number, echo time, temporal position, then InstanceNumber, file and frame order. Enhanced
// MR objects keep their frame order after the echo (Philips writes the frames in DimensionIndexValues order, which
// puts the ASL label/control dimension outside the temporal one, and dcm2niix follows it); their temporal position
// does not lead.
struct AcquisitionKey {
  int echo_number = 0;
  double echo_time_ms = 0.0;
  int temporal_index = 0;
  int instance_number = 0;
  std::size_t file = 0;
  std::size_t frame = 0;
};
// The key of frame `frame` (index into header.frames) of the file that is `file`-th in the series.
[[nodiscard]] AcquisitionKey acquisition_key(const FileHeader& header, std::size_t frame, std::size_t file);
// Indices into `keys` in acquisition order.
[[nodiscard]] std::vector<std::size_t> acquisition_rank(const std::vector<AcquisitionKey>& keys);

// Reads the header values; throws core::MyoError naming `path` when required attributes are absent.
[[nodiscard]] FileHeader parse_header(DcmDataset& dataset, const std::filesystem::path& path);

// The identity of one reconstructable volume inside a series: image type, complex component and echo time.
// A series whose frames have several signatures is split; SeriesInfo::split_key holds the signature.
[[nodiscard]] std::string frame_signature(const FrameHeader& frame);

// True when slope/intercept take some stored value of BitsStored (signed or not) outside the range of a 32-bit
// float, i.e. the volume would hold infinities. Unknown BitsStored (refused elsewhere) is never flagged here.
[[nodiscard]] bool rescale_overflows_float(const FileHeader& header, double slope, double intercept);

[[nodiscard]] std::string orientation_label(const std::array<double, 6>& iop);

}  // namespace myo::dicom::detail
