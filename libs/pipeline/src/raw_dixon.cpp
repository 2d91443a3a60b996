#include "raw_dixon.hpp"

#include <fmt/format.h>

#include "myo/core/error.hpp"
#include "myo/core/log.hpp"
#include "myo/dicom/load.hpp"

namespace myo::pipeline::detail {

RawDixon dixon_from_echoes(const std::vector<dicom::SeriesInfo>& parts) {
  auto loaded = dicom::load_dixon_echoes(parts);
  if (!loaded) throw core::MyoError(loaded.error());
  auto echoes = std::move(loaded).value();
  const std::string subject =
      fmt::format("raw Dixon echoes of series {} ('{}')", parts.front().series_number, echoes.description);
  if (!echoes.magnetic_field_strength_t)
    throw core::MyoError(subject, "no MagneticFieldStrength (0018,0087): fat's frequency is unknown");
  quantification::WaterFatSeparationParams params;
  params.field_strength_t = *echoes.magnetic_field_strength_t;
  RawDixon out;
  try {
    auto separated =
        quantification::separate_water_fat(echoes.magnitude, echoes.phase_rad, echoes.echo_times_ms, params);
    out.water = std::move(separated.water);
    out.fat = std::move(separated.fat);
    out.method = std::move(separated.method);
  } catch (const core::MyoError& e) {
    throw core::MyoError(subject, e.error().message);
  }
  out.method.series = echoes.description;
  out.method.phase_scale = echoes.phase_scale;
  for (auto& w : echoes.warnings) out.warnings.push_back(echoes.description + ": " + w);
  log::info("water and fat computed from {} raw echoes of '{}' in {:.1f} s ({}, fat frequency {})",
            echoes.echo_times_ms.size(), echoes.description, out.method.seconds, out.method.name,
            out.method.fat_frequency_sign);
  return out;
}

}  // namespace myo::pipeline::detail
