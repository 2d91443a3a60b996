#include "myo/reporting/report.hpp"

#include <fmt/format.h>

#include <sstream>

#include "myo/core/files.hpp"
#include "myo/core/muscle_catalog.hpp"

namespace myo::reporting {
namespace {

std::string csv_number(const std::optional<double>& value) { return value ? fmt::format("{:.4f}", *value) : ""; }

// CSV fields that could hold text are quoted; embedded quotes doubled (RFC 4180).
std::string csv_text(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// measurements.csv columns. New columns go last, so that scripts reading by position keep working.
const std::vector<std::string> kCsvColumns{
    "study_instance_uid", "group", "side", "label", "level", "level_mm", "volume_ml", "cross_sectional_area_mm2",
    "fat_fraction_pct", "fat_fraction_median_pct", "fat_fraction_p90_pct", "fat_replaced_volume_ml",
    "t1_fat_estimate_pct", "edema_fraction_pct", "edema_volume_ml", "stir_ratio", "edema_grade", "mercuri_grade",
    "water_t2_ms", "segmentation_confidence", "muscle", "fat_fraction_interior_pct", "mercuri_modified_grade",
    "level_from_reference_mm"};

using CsvRow = std::map<std::string, std::string>;  // column -> field; absent columns stay empty

CsvRow group_row(const quantification::GroupMeasurement& m, const std::string& study) {
  return {{"study_instance_uid", study}, {"group", m.group}, {"side", core::to_string(m.side)},
          {"label", std::to_string(m.label)}, {"level", "whole"}, {"volume_ml", fmt::format("{:.4f}", m.volume_ml)},
          {"fat_fraction_pct", csv_number(m.fat_fraction_pct)},
          {"fat_fraction_interior_pct", csv_number(m.fat_fraction_interior_pct)},
          {"fat_fraction_median_pct", csv_number(m.fat_fraction_median_pct)},
          {"fat_fraction_p90_pct", csv_number(m.fat_fraction_p90_pct)},
          {"fat_replaced_volume_ml", csv_number(m.fat_replaced_volume_ml)},
          {"t1_fat_estimate_pct", csv_number(m.t1_fat_estimate_pct)},
          {"edema_fraction_pct", csv_number(m.edema_fraction_pct)}, {"edema_volume_ml", csv_number(m.edema_volume_ml)},
          {"stir_ratio", csv_number(m.stir_ratio)},
          {"edema_grade", m.edema_grade ? std::to_string(*m.edema_grade) : ""},
          {"mercuri_grade", m.mercuri_grade ? std::to_string(*m.mercuri_grade) : ""},
          {"mercuri_modified_grade", m.mercuri_modified_grade}, {"water_t2_ms", csv_number(m.water_t2_ms)},
          {"segmentation_confidence", csv_number(m.segmentation_confidence)}};
}

// A slab's level counted from the level reference (the figures' axis); empty without a reference.
std::string level_from_reference(double level_mm, std::optional<double> reference_z_mm) {
  return reference_z_mm ? fmt::format("{:.1f}", level_mm - *reference_z_mm) : std::string();
}

std::vector<CsvRow> slab_rows(const quantification::GroupProfile& profile, const std::string& study,
                              std::optional<double> reference_z_mm) {
  const auto* group = core::MuscleCatalog::instance().find(profile.group);
  std::vector<CsvRow> rows;
  for (const auto& l : profile.levels)
    rows.push_back({{"study_instance_uid", study}, {"group", profile.group}, {"side", core::to_string(profile.side)},
                    {"label", std::to_string(group ? group->label(profile.side) : 0)}, {"level", "slab"},
                    {"level_mm", fmt::format("{:.1f}", l.level_mm)},
                    {"level_from_reference_mm", level_from_reference(l.level_mm, reference_z_mm)},
                    {"cross_sectional_area_mm2", fmt::format("{:.1f}", l.cross_sectional_area_mm2)},
                    {"fat_fraction_pct", csv_number(l.fat_fraction_pct)},
                    {"edema_fraction_pct", csv_number(l.edema_fraction_pct)}});
  return rows;
}

// A single muscle: its group and its own label (muscle_labels.nii.gz), the muscle named in the column `muscle`.
CsvRow single_muscle_row(const SingleMuscleEntry& m, const std::string& study) {
  return {{"study_instance_uid", study}, {"group", m.group}, {"side", m.side}, {"label", std::to_string(m.label)},
          {"level", "muscle"}, {"volume_ml", fmt::format("{:.4f}", m.volume_ml)},
          {"fat_fraction_pct", csv_number(m.fat_fraction_pct)},
          {"fat_fraction_interior_pct", csv_number(m.fat_fraction_interior_pct)},
          {"edema_fraction_pct", csv_number(m.edema_fraction_pct)},
          {"segmentation_confidence", csv_number(m.confidence)}, {"muscle", m.name}};
}

}  // namespace

std::string to_measurements_csv(const Report& r) {
  // Tidy: one row per study x group x side x level; level "whole" is the whole group, "slab" a 20 mm slab of it,
  // "muscle" a single muscle of the automatic segmentation.
  std::ostringstream out;
  for (std::size_t c = 0; c < kCsvColumns.size(); ++c) out << (c ? "," : "") << kCsvColumns[c];
  out << '\n';
  const auto row = [&](CsvRow fields) {
    for (std::size_t c = 0; c < kCsvColumns.size(); ++c) out << (c ? "," : "") << fields[kCsvColumns[c]];
    out << '\n';
  };
  const std::string study = csv_text(r.study.study_instance_uid);
  for (const auto& m : r.muscles) row(group_row(m, study));
  for (const auto& profile : r.profiles)
    for (auto& slab : slab_rows(profile, study, r.level_reference_z_mm)) row(std::move(slab));
  for (const auto& m : r.single_muscles) row(single_muscle_row(m, study));
  return out.str();
}

void write_report_json(const Report& report, const std::filesystem::path& path) {
  core::write_file_atomically(path, to_json_text(report));
}

void write_measurements_csv(const Report& report, const std::filesystem::path& path) {
  core::write_file_atomically(path, to_measurements_csv(report));
}

quantification::GroupMeasurement to_measurement(const ReportedMuscle& m) {
  quantification::GroupMeasurement g;
  g.group = m.group;
  g.side = m.side == "left" ? core::Side::left : core::Side::right;
  g.label = m.label;
  g.volume_ml = m.volume_ml;
  g.fat_fraction_pct = m.fat_fraction_pct;
  g.fat_fraction_interior_pct = m.fat_fraction_interior_pct;
  g.fat_fraction_median_pct = m.fat_fraction_median_pct;
  g.fat_fraction_p90_pct = m.fat_fraction_p90_pct;
  g.t1_fat_estimate_pct = m.t1_fat_estimate_pct;
  g.mercuri_grade = m.mercuri_grade;
  g.mercuri_modified_grade = m.mercuri_modified_grade;
  g.edema_fraction_pct = m.edema_fraction_pct;
  g.edema_grade = m.edema_grade;
  g.stir_ratio = m.stir_ratio;
  g.water_t2_ms = m.water_t2_ms;
  return g;
}

}  // namespace myo::reporting
