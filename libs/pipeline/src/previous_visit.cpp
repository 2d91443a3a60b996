#include "myo/pipeline/previous_visit.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <limits>

#include "myo/core/calendar.hpp"
#include "myo/core/error.hpp"
#include "myo/core/log.hpp"
#include "myo/core/nifti_io.hpp"
#include "myo/core/patient_identity.hpp"
#include "myo/core/resample.hpp"
#include "myo/quantification/registration.hpp"

namespace myo::pipeline {
namespace fs = std::filesystem;

namespace {

constexpr float kUnknown = std::numeric_limits<float>::quiet_NaN();

// A map of the current analysis, or the error naming the file it would have come from.
const core::ImageVolume& current_map(const core::ImageVolume* map, const fs::path& file) {
  if (!map) throw core::MyoError(file.string(), "not found (analysed with --no-maps?)");
  return *map;
}

// Previous fat fraction brought onto the current grid through a rigid registration of the previous water image onto
// the current one, subtracted from the current fat fraction.
core::ImageVolume registered_change(const fs::path& current, const fs::path& previous, const CurrentMaps& maps,
                                    std::string& note) {
  const auto& fixed = current_map(maps.water, current / "water.nii.gz");
  const auto& fat_fraction = current_map(maps.fat_fraction_pct, current / "fat_fraction.nii.gz");
  for (const auto& file : {previous / "water.nii.gz", previous / "fat_fraction.nii.gz"})
    if (!fs::exists(file)) throw core::MyoError(file.string(), "not found (analysed with --no-maps?)");
  const auto registration = quantification::register_rigid(fixed, core::read_image(previous / "water.nii.gz"));
  const auto& t = registration.fixed_to_moving;
  note = fmt::format("previous visit registered (rigid: shift {:.1f} mm, rotation {:.1f}\u00b0)",
                     std::hypot(t.translation_mm[0], t.translation_mm[1], t.translation_mm[2]), t.rotation_deg());
  log::info("change: {} in {:.1f} s", note, registration.seconds);
  log::debug("change: current to previous LPS: centre ({}), translation ({}), rotation ({})",
             fmt::join(t.centre_mm, ", "), fmt::join(t.translation_mm, ", "), fmt::join(t.rotation, ", "));
  const auto& grid = maps.grid;
  const auto before = quantification::resample_rigid(core::read_image(previous / "fat_fraction.nii.gz"), t, grid,
                                                     kUnknown);
  const auto now = core::resample_to(fat_fraction, grid, core::Interpolation::linear, kUnknown);
  core::ImageVolume change(grid, kUnknown);
  for (std::size_t i = 0; i < change.voxels.size(); ++i) change.voxels[i] = now.voxels[i] - before.voxels[i];
  return change;
}

}  // namespace

std::string change_legend(const Comparison& comparison) {
  const auto date = core::parse_dicom_date(comparison.baseline_study_date);
  std::string text = "change since " + (date ? core::to_iso(*date) : std::string("the previous visit"));
  if (const auto months = months_between(comparison)) text += fmt::format(", {:.0f} months", *months);
  return text;
}

rendering::ViewerChange change_colours(const Comparison& comparison) {
  rendering::ViewerChange change;
  for (const auto& g : comparison.groups)
    change.groups.push_back({g.group, g.side == "left" ? core::Side::left : core::Side::right,
                             g.fat_fraction_change_points, g.edema_fraction_change_points,
                             g.fat_fraction_beyond_limits, g.edema_fraction_beyond_limits});
  change.legend = change_legend(comparison);
  return change;
}

void check_previous_visit(const fs::path& current, const fs::path& previous) {
  const auto now = analysis_study(current);
  const auto before = analysis_study(previous);
  if (!now.patient_pseudonym.empty() && !before.patient_pseudonym.empty() &&
      core::pseudonym_scheme(now.patient_pseudonym) == core::pseudonym_scheme(before.patient_pseudonym) &&
      now.patient_pseudonym != before.patient_pseudonym)
    throw core::MyoError(before.report.string(), "is of another patient than " + now.report.string() +
                                                     " (patient pseudonyms differ): the previous visit must be of "
                                                     "the same patient");
  const auto date_now = core::parse_dicom_date(now.study_date);
  const auto date_before = core::parse_dicom_date(before.study_date);
  if (date_now && date_before && core::days_since_epoch(*date_before) > core::days_since_epoch(*date_now))
    throw core::MyoError(before.report.string(),
                         "was acquired on " + core::to_iso(*date_before) + ", after " + now.report.string() + " (" +
                             core::to_iso(*date_now) + "): give the earlier visit as the previous one");
}

PreviousVisit load_previous_visit(const fs::path& current, const fs::path& previous, const CurrentMaps* maps) {
  PreviousVisit visit;
  visit.comparison = compare_analyses(previous, current);
  if (!maps) return visit;
  try {
    visit.fat_fraction_change_points = registered_change(current, previous, *maps, visit.slice_note);
  } catch (const std::exception& e) {  // a missing map, an unreadable file, ITK: the per-muscle change remains
    visit.slice_note = "slices show the change per muscle: the previous visit could not be registered (" +
                       std::string(e.what()) + ")";
    log::warn("change: {}", visit.slice_note);
  }
  return visit;
}

}  // namespace myo::pipeline
