#pragma once
// Writing an image series the way a vendor's scanner exports it (classic single-frame MR DICOM). The conventions
// per vendor and role are a table (src/vendor_conventions.cpp, documented in libs/phantom/vendor_conventions.md);
// the DICOM encoding itself is the generic dicom::write_series.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "myo/core/volume.hpp"
#include "myo/dicom/series_role.hpp"
#include "myo/dicom/write.hpp"

namespace myo::phantom {

// One image type inside a series (a Philips mDIXON series holds several).
struct ImageComponent {
  dicom::SeriesRole role = dicom::SeriesRole::other;
  const core::ImageVolume* volume = nullptr;  // must outlive the write call
  std::optional<double> echo_time_ms{};       // overrides SeriesTags::echo_time_ms (Philips IP/OP in one series)
  int echo_number = 1;
  // Role dixon_echo: a phase image. The volume holds the phase in the vendor's units (Siemens -4096..4094, GE
  // milliradians, Philips radians); the writer adds the vendor's phase markers and scaling.
  bool phase = false;
};

struct SeriesTags {
  dicom::Vendor vendor = dicom::Vendor::siemens;
  int series_number = 1;
  std::string series_description;  // empty: the vendor's conventional description for the role
  std::optional<double> echo_time_ms;
  std::optional<double> repetition_time_ms;
  std::optional<double> inversion_time_ms;
  std::optional<double> flip_angle_deg;
  bool three_d = false;  // MRAcquisitionType 3D vs 2D
  std::optional<double> slice_thickness_mm;  // defaults to the slice spacing
  // For reproducible studies: when set, UIDs are used as given (SOP UIDs are prefix + "." + running number).
  std::string series_instance_uid{};      // generated when empty
  std::string sop_instance_uid_prefix{};  // generated per image when empty
  std::string protocol_name{};            // empty: the series description
  std::string series_time{};              // HHMMSS; empty: the study time
  std::string body_part = "THIGH";
  bool localizer = false;  // localizer images (ImageType/ sequence of the vendor's survey scan)
};

// Writes every slice of every component as one file with a meaningless name (as real exports do) into `directory`,
// with the vendor's tags for each component's role. All components share one SeriesInstanceUID. Returns the written
// paths. Pixel data: unsigned 16-bit, stored as the vendor does (see vendor_conventions.md). Throws core::MyoError
// naming the file on failure.
std::vector<std::filesystem::path> write_vendor_series(const std::vector<ImageComponent>& components,
                                                       const dicom::PatientStudyTags& study, const SeriesTags& series,
                                                       const std::filesystem::path& directory);

// The SeriesDescription the vendor gives `role` (used when SeriesTags::series_description is empty).
[[nodiscard]] std::string conventional_description(dicom::Vendor vendor, dicom::SeriesRole role, bool three_d,
                                                   bool localizer);

}  // namespace myo::phantom
