#pragma once
// Writing image series as classic single-frame MR DICOM files, following a vendor's tag conventions.
// Used by the study generator; the same vendor knowledge (vendor_conventions.md) drives role detection.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "myo/core/volume.hpp"
#include "myo/dicom/series_role.hpp"

namespace myo::dicom {

struct PatientStudyTags {
  std::string patient_name = "MYOSCOPE^PHANTOM";
  std::string patient_id = "PHANTOM0001";
  std::string patient_birth_date = "19700101";
  std::string patient_sex = "O";
  std::string study_instance_uid;  // generated when empty
  std::string study_date = "20260101";
  std::string study_time = "090000";
  std::string study_description = "MR HIPS AND THIGHS";
  std::string accession_number = "ACC0001";
  std::string frame_of_reference_uid;  // generated when empty; shared by all series of one study
  double magnetic_field_strength_t = 3.0;
};

// One image type inside a series (a Philips mDIXON series holds several).
struct ImageComponent {
  SeriesRole role = SeriesRole::other;
  const core::ImageVolume* volume = nullptr;  // must outlive the write call
  std::optional<double> echo_time_ms{};       // overrides SeriesTags::echo_time_ms (Philips IP/OP in one series)
  int echo_number = 1;
  // Role dixon_echo: a phase image. The volume holds the phase in the vendor's units (Siemens -4096..4094, GE
  // milliradians, Philips radians); the writer adds the vendor's phase markers and scaling.
  bool phase = false;
};

struct SeriesTags {
  Vendor vendor = Vendor::siemens;
  int series_number = 1;
  std::string series_description;  // empty: the vendor's conventional description for the role
  std::optional<double> echo_time_ms;
  std::optional<double> repetition_time_ms;
  std::optional<double> inversion_time_ms;
  std::optional<double> flip_angle_deg;
  bool three_d = false;  // MRAcquisitionType 3D vs 2D
  std::optional<double> slice_thickness_mm;  // defaults to the slice spacing
  // Added for reproducible studies: when set, UIDs are used as given (SOP UIDs are prefix + "." + running number).
  std::string series_instance_uid{};      // generated when empty
  std::string sop_instance_uid_prefix{};  // generated per image when empty
  std::string protocol_name{};            // empty: the series description
  std::string series_time{};              // HHMMSS; empty: the study time
  std::string body_part = "THIGH";
  bool localizer = false;  // localizer images (ImageType/ sequence of the vendor's survey scan)
};

// Writes every slice of every component as one file with a meaningless name (as real exports do) into `directory`.
// All components share one SeriesInstanceUID. Returns the written paths. Pixel data: unsigned 16-bit with
// rescale slope/intercept chosen to keep the float range. Throws core::MyoError naming the file on failure.
std::vector<std::filesystem::path> write_series(const std::vector<ImageComponent>& components,
                                                const PatientStudyTags& study, const SeriesTags& series,
                                                const std::filesystem::path& directory);

// The SeriesDescription the writer uses for `role` when SeriesTags::series_description is empty.
[[nodiscard]] std::string conventional_description(Vendor vendor, SeriesRole role, bool three_d, bool localizer);

// A fresh DICOM UID under the project's root.
[[nodiscard]] std::string new_uid();

// A deterministic UID ("2.25." + 128-bit hash of `key`, the UUID-derived form of ISO/IEC 9834-8 that needs no
// registered root): the study generator derives every UID from its seed so that reruns are bit-for-bit identical.
[[nodiscard]] std::string uid_from_key(const std::string& key);

}  // namespace myo::dicom
