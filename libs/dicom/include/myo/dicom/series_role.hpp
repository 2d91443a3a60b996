#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace myo::dicom {

enum class SeriesRole {
  dixon_water,
  dixon_fat,
  dixon_in_phase,
  dixon_opposed_phase,
  stir,
  t1,
  t2,
  fat_fraction_map,
  t2_map,
  localizer,
  other
};

[[nodiscard]] const char* to_string(SeriesRole role);
[[nodiscard]] std::optional<SeriesRole> role_from_string(std::string_view text);

enum class Vendor { siemens, philips, ge, unknown };
[[nodiscard]] const char* to_string(Vendor vendor);
[[nodiscard]] std::optional<Vendor> vendor_from_string(std::string_view text);  // "siemens" | "philips" | "ge"

}  // namespace myo::dicom
