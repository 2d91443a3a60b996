#pragma once
// The tags a classic single-frame MR export of each vendor carries, as data: one row per vendor and the scanner it
// stands for, one row per vendor and series role. Private to libs/phantom; sources in vendor_conventions.md.
#include <string_view>

#include "myo/dicom/series_role.hpp"

namespace myo::phantom::detail {

// The kinds of image the conventions tell apart: series roles, with the raw Dixon echo split into magnitude and
// phase and roles without a convention of their own falling back to a 2D or 3D series.
enum class ConventionKey {
  localizer,
  dixon_water,
  dixon_fat,
  dixon_in_phase,
  dixon_opposed_phase,
  fat_fraction_map,
  stir,
  t2_multi_echo,
  echo_magnitude,
  echo_phase,
  t1,
  other_2d,
  other_3d,
};

// What every series of one vendor carries.
struct VendorIdentity {
  dicom::Vendor vendor;
  std::string_view manufacturer;
  std::string_view model;
  std::string_view software_versions;
  std::string_view station_name;
  std::string_view receive_coil;
  bool rescaled_12bit;           // Philips: scaled 12-bit values with RescaleSlope/Intercept and private ScaleSlope
  bool complex_image_component;  // (0008,9208) MAGNITUDE or PHASE, as Philips classic exports carry it
};

// What one vendor writes for one kind of image.
struct ConventionRow {
  dicom::Vendor vendor;
  ConventionKey key;
  std::string_view series_description;
  std::string_view image_type;         // backslash-separated ImageType values
  std::string_view sequence_name;      // (0018,0024); Philips leaves it empty
  std::string_view scanning_sequence;  // (0018,0020)
  std::string_view sequence_variant;   // (0018,0021)
  std::string_view scan_options;       // (0018,0022)
  std::string_view philips_image_type; // (2005,1011) M, W, F, IP, OP, P; empty: not written
  int ge_image_type;                   // GE (0043,102F): 0 magnitude, 1 phase; -1 not written
  bool phase_12bit;                    // Siemens phase: 12-bit with RescaleSlope 2, RescaleIntercept -4096
};

[[nodiscard]] ConventionKey convention_key(dicom::SeriesRole role, bool three_d, bool localizer, bool phase);
// The vendor's identity and its row for `key`; an unknown vendor is written as Siemens.
[[nodiscard]] const VendorIdentity& vendor_identity(dicom::Vendor vendor);
[[nodiscard]] const ConventionRow& convention_row(dicom::Vendor vendor, ConventionKey key);

}  // namespace myo::phantom::detail
