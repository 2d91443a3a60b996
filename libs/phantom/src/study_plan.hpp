#pragma once
// What the generator's stages hand each other: the study's settings and the planned series. Private to libs/phantom.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "myo/core/volume.hpp"
#include "myo/phantom/phantom.hpp"
#include "myo/phantom/vendor_series.hpp"

namespace myo::phantom::detail {

constexpr double kSwapRadiusMm = 70, kSwapLevelMm = -250;  // --swap-region: ball at mid-thigh (body frame z)
constexpr double kRawEchoSpacingMs = 1.15;  // raw Dixon echoes: fat and water opposed, then in phase, ... at 3 T

// The parameters resolved once: vendor, the key every UID derives from, noise seed and echo times.
struct StudySetup {
  const PhantomParams& params;
  dicom::Vendor vendor;
  std::string key;
  std::uint64_t base_seed;
  std::vector<double> echo_times_ms;      // multi-echo spin echo (empty without --t2-multi-echo)
  std::vector<double> raw_echo_times_ms;  // raw Dixon echoes (empty without --raw-echoes)
};

// One series to write: its images, their echoes and the tags of the vendor's protocol.
struct SeriesPlan {
  std::vector<std::pair<dicom::SeriesRole, const core::ImageVolume*>> images;
  std::vector<double> echo_times_ms;  // per image, for multi-echo series (echo numbers follow)
  std::vector<int> echo_numbers;      // per image when set (magnitude and phase of one echo share its number)
  std::vector<bool> phase;            // per image when set: a phase image
  SeriesTags tags;
  std::string description;  // resolved for the truth file
  std::string orientation;
  std::size_t files = 0;
};

// Local names: the library's to_string(Vendor/SeriesRole) live in the reader's series_role.cpp.
[[nodiscard]] const char* vendor_name(dicom::Vendor v);
[[nodiscard]] const char* role_name(dicom::SeriesRole r);

}  // namespace myo::phantom::detail
