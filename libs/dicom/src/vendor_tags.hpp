#pragma once
// Per-vendor tag conventions used by the writer (private to libs/dicom; the table with sources is in
// libs/phantom/vendor_conventions.md). Only what a classic single-frame MR export of each vendor carries.
#include <string>

#include "myo/dicom/series_role.hpp"

namespace myo::dicom::detail {

struct VendorConvention {
  std::string manufacturer;
  std::string model;
  std::string software_versions;
  std::string station_name;
  std::string image_type;          // backslash-separated ImageType values
  std::string series_description;  // the vendor's conventional description for the role
  std::string sequence_name;       // (0018,0024), may be empty (Philips leaves it empty)
  std::string scanning_sequence;   // (0018,0020)
  std::string sequence_variant;    // (0018,0021)
  std::string scan_options;        // (0018,0022)
  std::string philips_image_type;  // (2005,1011) code: M, W, F, IP, OP (Philips only)
  std::string receive_coil;
  bool rescale = false;            // Philips stores scaled 12-bit values with RescaleSlope/Intercept
  bool complex_image_component = false;  // (0008,9208) MAGNITUDE (PHASE for phase images), as Philips classic exports carry it
  int ge_image_type = -1;          // GE private (0043,102F): 0 magnitude, 1 phase; -1 not written
  bool siemens_phase_rescale = false;  // 12-bit stored 0..4095 with RescaleSlope 2, RescaleIntercept -4096
};

// `three_d` selects 2D/3D sequence names; `localizer` the survey scan of the vendor; `phase` the phase image of a
// raw Dixon echo (role dixon_echo).
[[nodiscard]] VendorConvention convention_for(Vendor vendor, SeriesRole role, bool three_d, bool localizer,
                                              bool phase = false);
[[nodiscard]] const char* vendor_key(Vendor vendor);  // local helper: to_string(Vendor) belongs to series_role.cpp

}  // namespace myo::dicom::detail
