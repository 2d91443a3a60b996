#include "myo/reporting/report.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <sstream>

#include "myo/core/error.hpp"
#include "myo/core/files.hpp"
#include "myo/core/muscle_catalog.hpp"

namespace myo::reporting {
namespace {

using nlohmann::json;

json optional_number(const std::optional<double>& value) { return value ? json(*value) : json(nullptr); }

// The reader's correction (`myoscope edit`), null on an automatic analysis.
// One measure of a group compared with the previous visit.
json change_json(const std::optional<double>& previous, const std::optional<double>& current,
                 const std::optional<double>& change, bool beyond_limits) {
  return {{"previous", optional_number(previous)},
          {"current", optional_number(current)},
          {"change_points", optional_number(change)},
          {"beyond_repeatability", beyond_limits}};
}

json change_since_previous_json(const std::optional<FollowUp>& f) {
  if (!f) return nullptr;
  json groups = json::array();
  for (const auto& r : f->rows)
    groups.push_back({{"group", r.group},
                      {"side", r.side},
                      {"fat_fraction_pct", change_json(r.fat_fraction_previous_pct, r.fat_fraction_current_pct,
                                                       r.fat_fraction_change_points, r.fat_fraction_beyond_limits)},
                      {"edema_fraction_pct", change_json(r.edema_fraction_previous_pct, r.edema_fraction_current_pct,
                                                         r.edema_fraction_change_points, r.edema_fraction_beyond_limits)},
                      {"volume_change_percent", optional_number(r.volume_change_percent)},
                      {"flags", r.flags}});
  return {{"previous_study_date", f->baseline_study_date},
          {"months_between", optional_number(f->months_between)},
          {"repeatability_limits",
           {{"fat_fraction_points", f->fat_fraction_limit_points},
            {"edema_fraction_points", f->edema_fraction_limit_points},
            {"volume_percent", f->volume_limit_percent}}},
          {"groups", groups},
          {"sentences", f->sentences}};
}

json correction_json(const std::optional<LabelCorrection>& c) {
  if (!c) return nullptr;
  json changes = json::array();
  for (const auto& x : c->changes)
    changes.push_back({{"label", x.label}, {"name", x.name}, {"group", x.group}, {"side", x.side},
                       {"automatic_volume_ml", x.automatic_volume_ml}, {"corrected_volume_ml", x.corrected_volume_ml},
                       {"volume_change_ml", x.corrected_volume_ml - x.automatic_volume_ml}});
  return {{"reader", c->reader.empty() ? json(nullptr) : json(c->reader)}, {"edited_from", c->edited_from},
          {"edit_log", "edit_log.json"}, {"edit_count", c->edit_count}, {"voxels_changed", c->voxels_changed},
          {"changes", changes}};
}

json muscle_to_json(const quantification::GroupMeasurement& m, const std::string& fat_method) {
  return json{{"group", m.group},
              {"side", core::to_string(m.side)},
              {"label", m.label},
              {"voxel_count", m.voxel_count},
              {"volume_ml", m.volume_ml},
              {"fat_fraction_pct", optional_number(m.fat_fraction_pct)},
              {"fat_fraction_interior_pct", optional_number(m.fat_fraction_interior_pct)},
              {"fat_fraction_median_pct", optional_number(m.fat_fraction_median_pct)},
              {"fat_fraction_p90_pct", optional_number(m.fat_fraction_p90_pct)},
              {"fat_replaced_volume_ml", optional_number(m.fat_replaced_volume_ml)},
              {"t1_fat_estimate_pct", optional_number(m.t1_fat_estimate_pct)},
              {"edema_fraction_pct", optional_number(m.edema_fraction_pct)},
              {"edema_volume_ml", optional_number(m.edema_volume_ml)},
              {"stir_ratio", optional_number(m.stir_ratio)},
              {"edema_grade", m.edema_grade ? json(*m.edema_grade) : json(nullptr)},
              {"fat_replaced_share_pct", optional_number(m.fat_replaced_share_pct)},
              {"mercuri_grade", m.mercuri_grade ? json(*m.mercuri_grade) : json(nullptr)},
              {"mercuri_modified_grade", m.mercuri_modified_grade.empty() ? json(nullptr) : json(m.mercuri_modified_grade)},
              {"scanner_fat_fraction_pct", optional_number(m.scanner_fat_fraction_pct)},
              {"water_t2_ms", optional_number(m.water_t2_ms)},
              {"segmentation_confidence", optional_number(m.segmentation_confidence)},
              {"fat_measure", m.fat_fraction_pct ? (fat_method == "scanner_ff_map" ? "scanner_ff_map" : "dixon_pdff")
                              : m.t1_fat_estimate_pct ? "t1_estimate" : "none"}};
}

// A muscle of the automatic segmentation; display_name comes from the catalogue (the name itself when unknown).
json single_muscle_to_json(const SingleMuscleEntry& m) {
  const auto* muscle = core::MuscleCatalog::instance().find_muscle(m.name);
  return json{{"name", m.name},
              {"display_name", muscle ? muscle->display_name : m.name},
              {"group", m.group},
              {"side", m.side},
              {"label", m.label},
              {"volume_ml", m.volume_ml},
              {"fat_fraction_pct", optional_number(m.fat_fraction_pct)},
              {"fat_fraction_interior_pct", optional_number(m.fat_fraction_interior_pct)},
              {"edema_fraction_pct", optional_number(m.edema_fraction_pct)},
              {"segmentation_confidence", m.confidence},
              {"mean_probability", m.mean_probability},
              {"view_agreement", optional_number(m.view_agreement)},
              {"flagged", m.flagged}};
}

json channel_coverage_json(const std::vector<ChannelCoverageEntry>& entries) {
  json out = json::array();
  for (const auto& e : entries) {
    json labels = json::array();
    for (const auto& l : e.labels)
      labels.push_back({{"kind", l.kind},
                        {"name", l.name},
                        {"side", l.side},
                        {"uncovered_pct", l.uncovered_pct},
                        {"uncovered_z_mm", l.uncovered_z_mm},
                        {"numbers_withheld", l.numbers_withheld}});
    out.push_back({{"channel", e.channel},
                   {"series_instance_uid", e.series_instance_uid},
                   {"series_number", e.series_number},
                   {"series_description", e.series_description},
                   {"covered_pct", e.covered_pct},
                   {"uncovered_z_mm", e.uncovered_z_mm ? json(*e.uncovered_z_mm) : json(nullptr)},
                   {"min_covered_pct", e.min_covered_pct},
                   {"labels", std::move(labels)}});
  }
  return out;
}

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

std::string to_json_text(const Report& r) {
  json muscles = json::array();
  for (const auto& m : r.muscles) muscles.push_back(muscle_to_json(m, r.quantification_method.fat_method));
  json single_muscles = json::array();
  for (const auto& m : r.single_muscles) single_muscles.push_back(single_muscle_to_json(m));
  json series = json::array();
  for (const auto& s : r.series)
    series.push_back(json{{"series_instance_uid", s.series_instance_uid},
                          {"split_key", s.split_key},
                          {"series_number", s.series_number},
                          {"description", s.description},
                          {"role", s.role},
                          {"role_reason", s.role_reason},
                          {"orientation", s.orientation},
                          {"slice_count", s.slice_count},
                          {"used_as", s.used_as.empty() ? json(nullptr) : json(s.used_as)}});
  const auto& p = r.quantification_method.params;
  json swap_regions = json::array();
  for (const auto& s : r.quantification_method.swap_regions)
    swap_regions.push_back({{"volume_ml", s.volume_ml}, {"muscle_volume_ml", s.muscle_volume_ml},
                            {"z_min_mm", s.z_min_mm}, {"z_max_mm", s.z_max_mm}, {"side", s.side},
                            {"corrected", s.corrected}});
  json input_labels = json::array();
  for (const auto& l : r.input_labels)
    input_labels.push_back({{"value", l.value}, {"name", l.name}, {"group", l.group.empty() ? json(nullptr) : json(l.group)},
                            {"side", l.side}, {"volume_ml", l.volume_ml},
                            {"fat_fraction_pct", optional_number(l.fat_fraction_pct)},
                            {"fat_fraction_interior_pct", optional_number(l.fat_fraction_interior_pct)},
                            {"edema_fraction_pct", optional_number(l.edema_fraction_pct)}});
  json profiles = json::array();
  for (const auto& profile : r.profiles) {
    json levels = json::array();
    for (const auto& l : profile.levels)
      levels.push_back({{"level_mm", l.level_mm},
                        {"level_from_reference_mm", r.level_reference_z_mm
                                                        ? json(l.level_mm - *r.level_reference_z_mm)
                                                        : json(nullptr)},
                        {"cross_sectional_area_mm2", l.cross_sectional_area_mm2},
                        {"fat_fraction_pct", optional_number(l.fat_fraction_pct)},
                        {"edema_fraction_pct", optional_number(l.edema_fraction_pct)}});
    profiles.push_back({{"group", profile.group}, {"side", core::to_string(profile.side)}, {"levels", levels}});
  }
  const json pattern{
      {"proximal_to_distal_ff_difference_pct", optional_number(r.pattern.proximal_to_distal_ff_difference_pct)},
      {"posterior_to_anterior_ff_ratio", optional_number(r.pattern.posterior_to_anterior_ff_ratio)},
      {"left_right_asymmetry_index_pct", optional_number(r.pattern.left_right_asymmetry_index_pct)},
      {"most_involved_groups", r.pattern.most_involved_groups},
      {"sentences", r.pattern.sentences}};
  json echo_separation = nullptr;
  if (const auto& w = r.water_fat_separation) {
    echo_separation = {{"name", w->name},
                       {"series", w->series},
                       {"echo_times_ms", w->echo_times_ms},
                       {"field_strength_t", w->field_strength_t},
                       {"fat_model", w->fat_model},
                       {"fat_frequency_sign", w->fat_frequency_sign},
                       {"r2star_fitted", w->r2star_fitted},
                       {"field_map", w->field_map},
                       {"block_mm", w->block_mm},
                       {"regions", w->regions},
                       {"phase_scale", w->phase_scale},
                       {"seconds", w->seconds}};
  }
  const bool dixon_images = r.quantification_method.fat_method == "dixon_pdff";
  json water_t2{{"name", r.quantification_method.water_t2_method.empty() ? json(nullptr)
                                                                        : json(r.quantification_method.water_t2_method)},
                {"max_fat_fraction_pct", p.t2_map_max_fat_fraction_pct}};
  if (r.water_t2_fit) {
    // Fitted from a multi-echo spin-echo series: the model, how fat was handled and which echoes were used.
    const auto& f = *r.water_t2_fit;
    water_t2["max_fat_fraction_pct"] = f.max_fat_fraction_pct;
    water_t2["series"] = f.series;
    water_t2["echo_times_ms"] = f.echo_times_ms;
    water_t2["echo_times_used_ms"] = f.echo_times_used_ms;
    water_t2["first_echo_dropped"] = f.first_echo_dropped;
    water_t2["fat_handling"] = f.fat_handling;
    water_t2["fat_t2_ms"] = f.fat_t2_ms;
    water_t2["min_group_voxels"] = f.min_group_voxels;
    water_t2["noise_sigma"] = optional_number(f.noise_sigma);
    water_t2["fitted_voxels"] = f.fitted_voxels;
    water_t2["candidate_voxels"] = f.candidate_voxels;
    water_t2["fit_seconds"] = f.fit_seconds;
    water_t2["map_file"] = "water_t2_ms.nii.gz";
  }
  const json doc{
      {"schema_version", r.schema_version},
      {"software", {{"name", r.software_name}, {"version", r.software_version}, {"git_revision", r.git_revision}}},
      {"created_utc", r.created_utc},
      {"study",
       {{"study_instance_uid", r.study.study_instance_uid},
        {"study_date", r.study.study_date},
        {"study_description", r.study.study_description},
        {"manufacturer", r.study.manufacturer},
        {"magnetic_field_strength_t", r.study.magnetic_field_strength_t},
        {"patient_pseudonym", r.study.patient_pseudonym}}},
      {"series", series},
      {"reference_series_uid", r.reference_series_uid},
      {"protocol", r.protocol},
      {"muscles", muscles},
      {"single_muscles", single_muscles},
      {"segmentation_source", r.segmentation_source},
      {"input_labels", input_labels},
      {"correction", correction_json(r.correction)},
      {"change_since_previous", change_since_previous_json(r.change_since_previous)},
      {"input", {{"path", r.input_path.empty() ? json(nullptr) : json(r.input_path)}}},
      {"pattern", pattern},
      {"profiles", profiles},
      {"level_reference",
       {{"name", "crotch"},
        {"description", "the crotch (perineum): the highest level at which the thighs are apart; the figures count "
                        "levels in mm from it (level_from_reference_mm = level_mm - z_mm, positive towards the head)"},
        {"z_mm", optional_number(r.level_reference_z_mm)}}},
      {"method",
       {{"segmentation", {{"name", r.segmentation_source == "automatic"          ? "muscle-network"
                                   : r.segmentation_source == "reader_corrected" ? "reader-corrected"
                                                                                 : "user-labels"},
                          {"version", 2},
                          {"model", r.segmentation_method},
                          {"confidence_flag_below", optional_number(r.confidence_flag_below)},
                          {"notes", r.segmentation_notes}}},
        {"fat", {{"name", r.quantification_method.fat_method},
                 {"noise_sigma", optional_number(r.quantification_method.noise_sigma)},
                 {"noise_floor_correction", p.noise_floor_correction},
                 {"fat_replaced_threshold_pct", p.fat_replaced_threshold_pct},
                 {"fat_fraction_definition",
                  {{"fat_fraction_pct", "mean over every voxel of the label (groups, single muscles and input labels)"},
                   {"fat_fraction_interior_pct",
                    fmt::format("mean over the label's interior: voxels whose four in-plane neighbours carry the same "
                                "label (null below {} voxels)",
                                quantification::kMinInteriorVoxels)},
                   {"median_p90_fat_replaced", "over every voxel of the label"}}},
                 {"scanner_ff_map", r.quantification_method.scanner_ff_use.empty()
                                        ? json(nullptr)
                                        : json(r.quantification_method.scanner_ff_use)},
                 {"scanner_ff_group_warn_points", p.scanner_ff_group_warn_points},
                 {"scanner_ff_mean_warn_points", p.scanner_ff_mean_warn_points},
                 {"dixon_source", !dixon_images           ? json(nullptr)
                                  : r.water_fat_separation ? json("raw_echoes")
                                                           : json("scanner_water_fat")},
                 {"echo_separation", echo_separation},
                 {"swap_detection", r.quantification_method.swap_method.empty()
                                        ? json(nullptr)
                                        : json(r.quantification_method.swap_method)},
                 {"swap_block_mm", p.swap.block_mm},
                 {"swap_evidence_sigma_mm", p.swap.evidence_sigma_mm},
                 {"swap_min_fat_muscle_contrast", p.swap.min_fat_muscle_contrast},
                 {"swap_regions", swap_regions},
                 {"swap_notes", r.quantification_method.swap_notes}}},
        {"water_t2", water_t2},
        {"edema", {{"name", r.quantification_method.edema_method},
                   {"reference_percentile", p.edema_reference_percentile},
                   {"reference_window", p.edema_reference_window},
                   {"bias_correction", r.quantification_method.stir_bias_method.empty()
                                           ? json(nullptr)
                                           : json(r.quantification_method.stir_bias_method)},
                   {"bias_correction_seconds", optional_number(r.quantification_method.stir_bias_seconds)},
                   {"bias_field_range", optional_number(r.quantification_method.stir_bias_range)},
                   {"bias_shrunk_voxel_mm", p.stir_bias.shrunk_voxel_mm},
                   {"bias_fitting_levels", p.stir_bias.fitting_levels},
                   {"bias_iterations_per_level", p.stir_bias.iterations_per_level},
                   {"bias_spline_distance_mm", p.stir_bias.spline_distance_mm},
                   {"fat_correction", p.edema_fat_correction},
                   {"min_water_share", p.edema_min_water_share},
                   {"water_share", r.quantification_method.edema_water_share.empty()
                                       ? json(nullptr)
                                       : json(r.quantification_method.edema_water_share)},
                   {"min_assessable_water_share", p.edema_min_assessable_water_share},
                   {"ratio_threshold", p.edema_ratio_threshold},
                   {"noise_sd", p.edema_noise_sd},
                   {"level_slab_mm", p.level_slab_mm}}}}},
      {"channel_coverage", channel_coverage_json(r.channel_coverage)},
      {"warnings", r.warnings},
      {"problems", r.problems},
      {"provenance",
       {{"stage_seconds", r.stage_seconds},
        {"stage_cpu_seconds", r.stage_cpu_seconds},
        {"stage_peak_rss_mib", r.stage_peak_rss_mib},
        {"threads", r.threads}}}};
  // Descriptions come from DICOM tags, which need not be UTF-8 (ISO_IR 100): invalid bytes become U+FFFD.
  return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

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

namespace {

json parse_report_file(const std::filesystem::path& path) {
  try {
    return json::parse(core::read_text_file(path));
  } catch (const json::exception& e) {
    throw core::MyoError(path.string(), std::string("not valid JSON: ") + e.what());
  }
}

// An optional number of a report entry: absent or null is unset, anything but a number an error.
std::optional<double> optional_number_field(const json& j, const char* key) {
  if (!j.contains(key) || j[key].is_null()) return std::nullopt;
  if (!j[key].is_number()) throw std::runtime_error(std::string("'") + key + "' is not a number");
  return j[key].get<double>();
}

// A label number 0..65535. It must be an integer: get<int>() of 1e99 is a float-to-int overflow (undefined
// behaviour; found by testing/fuzz/fuzz_report_reader).
int label_number_field(const json& j, const char* key) {
  const auto& value = j.at(key);
  if (!value.is_number_integer() || value.get<long long>() < 0 || value.get<long long>() > 65535)
    throw std::runtime_error(std::string("'") + key + "' is not a label number");
  return value.get<int>();
}

}  // namespace

std::vector<ReportedMuscle> read_report_muscles(const std::filesystem::path& path) {
  const json doc = parse_report_file(path);
  if (!doc.is_object() || !doc.contains("muscles") || !doc["muscles"].is_array())
    throw core::MyoError(path.string(), "not a MyoScope report: no 'muscles' list");
  const auto number = optional_number_field;
  std::vector<ReportedMuscle> muscles;
  try {
    for (const auto& m : doc["muscles"]) {
      ReportedMuscle r;
      r.group = m.at("group").get<std::string>();
      r.side = m.at("side").get<std::string>();
      r.label = label_number_field(m, "label");
      r.volume_ml = m.at("volume_ml").get<double>();
      r.fat_fraction_pct = number(m, "fat_fraction_pct");
      r.edema_fraction_pct = number(m, "edema_fraction_pct");
      r.fat_fraction_interior_pct = number(m, "fat_fraction_interior_pct");
      r.fat_fraction_median_pct = number(m, "fat_fraction_median_pct");
      r.fat_fraction_p90_pct = number(m, "fat_fraction_p90_pct");
      r.t1_fat_estimate_pct = number(m, "t1_fat_estimate_pct");
      r.stir_ratio = number(m, "stir_ratio");
      r.water_t2_ms = number(m, "water_t2_ms");
      const auto grade = [&](const char* key) -> std::optional<int> {
        const auto v = number(m, key);
        if (!v) return std::nullopt;
        if (*v < 0 || *v > 4 || *v != std::floor(*v)) throw std::runtime_error(std::string("'") + key + "' is not a grade");
        return static_cast<int>(*v);
      };
      r.mercuri_grade = grade("mercuri_grade");
      r.edema_grade = grade("edema_grade");
      if (m.contains("mercuri_modified_grade") && m["mercuri_modified_grade"].is_string())
        r.mercuri_modified_grade = m["mercuri_modified_grade"].get<std::string>();
      muscles.push_back(std::move(r));
    }
  } catch (const std::exception& e) {
    throw core::MyoError(path.string(), std::string("malformed muscle entry: ") + e.what());
  }
  return muscles;
}

std::vector<ReportedLabel> read_report_labels(const std::filesystem::path& path) {
  const json doc = parse_report_file(path);
  const auto number = optional_number_field;
  std::vector<ReportedLabel> labels;
  try {
    for (const auto& [list, value_key] : {std::pair{"single_muscles", "label"}, std::pair{"input_labels", "value"}}) {
      if (!doc.is_object() || !doc.contains(list) || !doc[list].is_array()) continue;
      for (const auto& m : doc[list]) {
        ReportedLabel r;
        r.label = label_number_field(m, value_key);
        r.volume_ml = m.at("volume_ml").get<double>();
        r.fat_fraction_pct = number(m, "fat_fraction_pct");
        r.edema_fraction_pct = number(m, "edema_fraction_pct");
        r.confidence = number(m, "segmentation_confidence");
        r.flagged = m.contains("flagged") && m["flagged"].is_boolean() && m["flagged"].get<bool>();
        labels.push_back(r);
      }
    }
  } catch (const std::exception& e) {
    throw core::MyoError(path.string(), std::string("malformed label entry: ") + e.what());
  }
  return labels;
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
