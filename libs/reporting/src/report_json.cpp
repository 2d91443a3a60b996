// report.json: one to_json per value type it holds (the writer) and one from_json per type read back (the reader).
// nlohmann's objects keep their keys sorted, so the order of keys here does not change the file.
#include "report_json.hpp"

#include <fmt/format.h>

#include <cmath>

#include "myo/core/error.hpp"
#include "myo/core/files.hpp"
#include "myo/core/muscle_catalog.hpp"

namespace myo::reporting {
namespace {

using nlohmann::json;

template <class T>
json or_null(const std::optional<T>& value) {
  return value ? json(*value) : json(nullptr);
}

json text_or_null(const std::string& text) { return text.empty() ? json(nullptr) : json(text); }

// One measure of a group compared with the previous visit.
json change_json(const std::optional<double>& previous, const std::optional<double>& current,
                 const std::optional<double>& change, bool beyond_limits) {
  return {{"previous", or_null(previous)},
          {"current", or_null(current)},
          {"change_points", or_null(change)},
          {"beyond_repeatability", beyond_limits}};
}

// A group measurement; fat_measure says which fat figure it carries under the report's fat method.
json muscle_json(const quantification::GroupMeasurement& m, const std::string& fat_method) {
  return json{{"group", m.group},
              {"side", core::to_string(m.side)},
              {"label", m.label},
              {"voxel_count", m.voxel_count},
              {"volume_ml", m.volume_ml},
              {"fat_fraction_pct", or_null(m.fat_fraction_pct)},
              {"fat_fraction_interior_pct", or_null(m.fat_fraction_interior_pct)},
              {"fat_fraction_median_pct", or_null(m.fat_fraction_median_pct)},
              {"fat_fraction_p90_pct", or_null(m.fat_fraction_p90_pct)},
              {"fat_replaced_volume_ml", or_null(m.fat_replaced_volume_ml)},
              {"t1_fat_estimate_pct", or_null(m.t1_fat_estimate_pct)},
              {"edema_fraction_pct", or_null(m.edema_fraction_pct)},
              {"edema_volume_ml", or_null(m.edema_volume_ml)},
              {"stir_ratio", or_null(m.stir_ratio)},
              {"edema_grade", or_null(m.edema_grade)},
              {"fat_replaced_share_pct", or_null(m.fat_replaced_share_pct)},
              {"mercuri_grade", or_null(m.mercuri_grade)},
              {"mercuri_modified_grade", text_or_null(m.mercuri_modified_grade)},
              {"scanner_fat_fraction_pct", or_null(m.scanner_fat_fraction_pct)},
              {"water_t2_ms", or_null(m.water_t2_ms)},
              {"segmentation_confidence", or_null(m.segmentation_confidence)},
              {"fat_measure", m.fat_fraction_pct ? (fat_method == "scanner_ff_map" ? "scanner_ff_map" : "dixon_pdff")
                              : m.t1_fat_estimate_pct ? "t1_estimate" : "none"}};
}

json muscles_json(const Report& r) {
  json muscles = json::array();
  for (const auto& m : r.muscles) muscles.push_back(muscle_json(m, r.quantification_method.fat_method));
  return muscles;
}

// Slab profiles per group and side; each level also counted from the level reference when there is one.
json profiles_json(const Report& r) {
  json profiles = json::array();
  for (const auto& profile : r.profiles) {
    json levels = json::array();
    for (const auto& l : profile.levels)
      levels.push_back({{"level_mm", l.level_mm},
                        {"level_from_reference_mm",
                         r.level_reference_z_mm ? json(l.level_mm - *r.level_reference_z_mm) : json(nullptr)},
                        {"cross_sectional_area_mm2", l.cross_sectional_area_mm2},
                        {"fat_fraction_pct", or_null(l.fat_fraction_pct)},
                        {"edema_fraction_pct", or_null(l.edema_fraction_pct)}});
    profiles.push_back({{"group", profile.group}, {"side", core::to_string(profile.side)}, {"levels", levels}});
  }
  return profiles;
}

json level_reference_json(const Report& r) {
  return {{"name", "crotch"},
          {"description", "the crotch (perineum): the highest level at which the thighs are apart; the figures count "
                          "levels in mm from it (level_from_reference_mm = level_mm - z_mm, positive towards the head)"},
          {"z_mm", or_null(r.level_reference_z_mm)}};
}

json segmentation_method_json(const Report& r) {
  return {{"name", r.segmentation_source == "automatic"          ? "muscle-network"
                   : r.segmentation_source == "reader_corrected" ? "reader-corrected"
                                                                 : "user-labels"},
          {"version", 2},
          {"model", r.segmentation_method},
          {"confidence_flag_below", or_null(r.confidence_flag_below)},
          {"notes", r.segmentation_notes}};
}

json fat_fraction_definition_json() {
  return {{"fat_fraction_pct", "mean over every voxel of the label (groups, single muscles and input labels)"},
          {"fat_fraction_interior_pct",
           fmt::format("mean over the label's interior: voxels whose four in-plane neighbours carry the same "
                       "label (null below {} voxels)",
                       quantification::kMinInteriorVoxels)},
          {"median_p90_fat_replaced", "over every voxel of the label"}};
}

json fat_method_json(const Report& r) {
  const auto& m = r.quantification_method;
  const auto& p = m.params;
  const bool dixon_images = m.fat_method == "dixon_pdff";
  return {{"name", m.fat_method},
          {"noise_sigma", or_null(m.noise_sigma)},
          {"noise_floor_correction", p.noise_floor_correction},
          {"fat_replaced_threshold_pct", p.fat_replaced_threshold_pct},
          {"fat_fraction_definition", fat_fraction_definition_json()},
          {"scanner_ff_map", text_or_null(m.scanner_ff_use)},
          {"scanner_ff_group_warn_points", p.scanner_ff_group_warn_points},
          {"scanner_ff_mean_warn_points", p.scanner_ff_mean_warn_points},
          {"dixon_source", !dixon_images           ? json(nullptr)
                           : r.water_fat_separation ? json("raw_echoes")
                                                    : json("scanner_water_fat")},
          {"echo_separation", or_null(r.water_fat_separation)},
          {"swap_detection", text_or_null(m.swap_method)},
          {"swap_block_mm", p.swap.block_mm},
          {"swap_evidence_sigma_mm", p.swap.evidence_sigma_mm},
          {"swap_min_fat_muscle_contrast", p.swap.min_fat_muscle_contrast},
          {"swap_regions", m.swap_regions},
          {"swap_notes", m.swap_notes}};
}

// Water T2 from a T2 map, or fitted from a multi-echo spin-echo series: then the model, how fat was handled and
// which echoes were used.
json water_t2_method_json(const Report& r) {
  json water_t2{{"name", text_or_null(r.quantification_method.water_t2_method)},
                {"max_fat_fraction_pct", r.quantification_method.params.t2_map_max_fat_fraction_pct}};
  if (!r.water_t2_fit) return water_t2;
  const auto& f = *r.water_t2_fit;
  water_t2["max_fat_fraction_pct"] = f.max_fat_fraction_pct;
  water_t2["series"] = f.series;
  water_t2["echo_times_ms"] = f.echo_times_ms;
  water_t2["echo_times_used_ms"] = f.echo_times_used_ms;
  water_t2["first_echo_dropped"] = f.first_echo_dropped;
  water_t2["fat_handling"] = f.fat_handling;
  water_t2["fat_t2_ms"] = f.fat_t2_ms;
  water_t2["min_group_voxels"] = f.min_group_voxels;
  water_t2["noise_sigma"] = or_null(f.noise_sigma);
  water_t2["fitted_voxels"] = f.fitted_voxels;
  water_t2["candidate_voxels"] = f.candidate_voxels;
  water_t2["fit_seconds"] = f.fit_seconds;
  water_t2["map_file"] = "water_t2_ms.nii.gz";
  return water_t2;
}

json edema_method_json(const Report& r) {
  const auto& m = r.quantification_method;
  const auto& p = m.params;
  return {{"name", m.edema_method},
          {"reference_percentile", p.edema_reference_percentile},
          {"reference_window", p.edema_reference_window},
          {"bias_correction", text_or_null(m.stir_bias_method)},
          {"bias_correction_seconds", or_null(m.stir_bias_seconds)},
          {"bias_field_range", or_null(m.stir_bias_range)},
          {"bias_shrunk_voxel_mm", p.stir_bias.shrunk_voxel_mm},
          {"bias_fitting_levels", p.stir_bias.fitting_levels},
          {"bias_iterations_per_level", p.stir_bias.iterations_per_level},
          {"bias_spline_distance_mm", p.stir_bias.spline_distance_mm},
          {"fat_correction", p.edema_fat_correction},
          {"min_water_share", p.edema_min_water_share},
          {"water_share", text_or_null(m.edema_water_share)},
          {"min_assessable_water_share", p.edema_min_assessable_water_share},
          {"ratio_threshold", p.edema_ratio_threshold},
          {"noise_sd", p.edema_noise_sd},
          {"level_slab_mm", p.level_slab_mm}};
}

json method_json(const Report& r) {
  return {{"segmentation", segmentation_method_json(r)},
          {"fat", fat_method_json(r)},
          {"water_t2", water_t2_method_json(r)},
          {"edema", edema_method_json(r)}};
}

json provenance_json(const Report& r) {
  return {{"stage_seconds", r.stage_seconds},
          {"stage_cpu_seconds", r.stage_cpu_seconds},
          {"stage_peak_rss_mib", r.stage_peak_rss_mib},
          {"threads", r.threads}};
}

}  // namespace

void to_json(json& j, const SeriesEntry& s) {
  j = {{"series_instance_uid", s.series_instance_uid},
       {"split_key", s.split_key},
       {"series_number", s.series_number},
       {"description", s.description},
       {"role", s.role},
       {"role_reason", s.role_reason},
       {"orientation", s.orientation},
       {"slice_count", s.slice_count},
       {"used_as", text_or_null(s.used_as)}};
}

void to_json(json& j, const StudyEntry& s) {
  j = {{"study_instance_uid", s.study_instance_uid},
       {"study_date", s.study_date},
       {"study_description", s.study_description},
       {"manufacturer", s.manufacturer},
       {"magnetic_field_strength_t", s.magnetic_field_strength_t},
       {"patient_pseudonym", s.patient_pseudonym}};
}

void to_json(json& j, const InputLabelEntry& l) {
  j = {{"value", l.value},
       {"name", l.name},
       {"group", text_or_null(l.group)},
       {"side", l.side},
       {"volume_ml", l.volume_ml},
       {"fat_fraction_pct", or_null(l.fat_fraction_pct)},
       {"fat_fraction_interior_pct", or_null(l.fat_fraction_interior_pct)},
       {"edema_fraction_pct", or_null(l.edema_fraction_pct)}};
}

// display_name comes from the catalogue (the name itself when unknown).
void to_json(json& j, const SingleMuscleEntry& m) {
  const auto* muscle = core::MuscleCatalog::instance().find_muscle(m.name);
  j = {{"name", m.name},
       {"display_name", muscle ? muscle->display_name : m.name},
       {"group", m.group},
       {"side", m.side},
       {"label", m.label},
       {"volume_ml", m.volume_ml},
       {"fat_fraction_pct", or_null(m.fat_fraction_pct)},
       {"fat_fraction_interior_pct", or_null(m.fat_fraction_interior_pct)},
       {"edema_fraction_pct", or_null(m.edema_fraction_pct)},
       {"segmentation_confidence", m.confidence},
       {"mean_probability", m.mean_probability},
       {"view_agreement", or_null(m.view_agreement)},
       {"flagged", m.flagged}};
}

void to_json(json& j, const ChannelCoverageEntry::Label& l) {
  j = {{"kind", l.kind},
       {"name", l.name},
       {"side", l.side},
       {"uncovered_pct", l.uncovered_pct},
       {"uncovered_z_mm", l.uncovered_z_mm},
       {"numbers_withheld", l.numbers_withheld}};
}

void to_json(json& j, const ChannelCoverageEntry& e) {
  j = {{"channel", e.channel},
       {"series_instance_uid", e.series_instance_uid},
       {"series_number", e.series_number},
       {"series_description", e.series_description},
       {"covered_pct", e.covered_pct},
       {"uncovered_z_mm", or_null(e.uncovered_z_mm)},
       {"min_covered_pct", e.min_covered_pct},
       {"labels", e.labels}};
}

void to_json(json& j, const LabelCorrection::Change& c) {
  j = {{"label", c.label},
       {"name", c.name},
       {"group", c.group},
       {"side", c.side},
       {"automatic_volume_ml", c.automatic_volume_ml},
       {"corrected_volume_ml", c.corrected_volume_ml},
       {"volume_change_ml", c.corrected_volume_ml - c.automatic_volume_ml}};
}

// The reader's correction (`myoscope edit`); the edit log beside report.json holds the edits themselves.
void to_json(json& j, const LabelCorrection& c) {
  j = {{"reader", text_or_null(c.reader)}, {"edited_from", c.edited_from}, {"edit_log", "edit_log.json"},
       {"edit_count", c.edit_count},       {"voxels_changed", c.voxels_changed}, {"changes", c.changes}};
}

void to_json(json& j, const FollowUpRow& r) {
  j = {{"group", r.group},
       {"side", r.side},
       {"fat_fraction_pct", change_json(r.fat_fraction_previous_pct, r.fat_fraction_current_pct,
                                        r.fat_fraction_change_points, r.fat_fraction_beyond_limits)},
       {"edema_fraction_pct", change_json(r.edema_fraction_previous_pct, r.edema_fraction_current_pct,
                                          r.edema_fraction_change_points, r.edema_fraction_beyond_limits)},
       {"volume_change_percent", or_null(r.volume_change_percent)},
       {"flags", r.flags}};
}

// report.json "change_since_previous".
void to_json(json& j, const FollowUp& f) {
  j = {{"previous_study_date", f.baseline_study_date},
       {"months_between", or_null(f.months_between)},
       {"repeatability_limits",
        {{"fat_fraction_points", f.fat_fraction_limit_points},
         {"edema_fraction_points", f.edema_fraction_limit_points},
         {"volume_percent", f.volume_limit_percent}}},
       {"groups", f.rows},
       {"sentences", f.sentences}};
}

void to_json(json& j, const Report& r) {
  j = {{"schema_version", r.schema_version},
       {"software", {{"name", r.software_name}, {"version", r.software_version}, {"git_revision", r.git_revision}}},
       {"created_utc", r.created_utc},
       {"study", r.study},
       {"series", r.series},
       {"reference_series_uid", r.reference_series_uid},
       {"protocol", r.protocol},
       {"muscles", muscles_json(r)},
       {"single_muscles", r.single_muscles},
       {"segmentation_source", r.segmentation_source},
       {"input_labels", r.input_labels},
       {"correction", or_null(r.correction)},
       {"change_since_previous", or_null(r.change_since_previous)},
       {"input", {{"path", text_or_null(r.input_path)}}},
       {"pattern", r.pattern},
       {"profiles", profiles_json(r)},
       {"level_reference", level_reference_json(r)},
       {"method", method_json(r)},
       {"channel_coverage", r.channel_coverage},
       {"warnings", r.warnings},
       {"problems", r.problems},
       {"provenance", provenance_json(r)}};
}

std::string to_json_text(const Report& report) {
  const json doc = report;
  // Descriptions come from DICOM tags, which need not be UTF-8 (ISO_IR 100): invalid bytes become U+FFFD.
  return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace myo::reporting

namespace myo::quantification {

void to_json(nlohmann::json& j, const SwapRegion& s) {
  j = {{"volume_ml", s.volume_ml}, {"muscle_volume_ml", s.muscle_volume_ml}, {"z_min_mm", s.z_min_mm},
       {"z_max_mm", s.z_max_mm},   {"side", s.side},                         {"corrected", s.corrected}};
}

void to_json(nlohmann::json& j, const PatternSummary& p) {
  j = {{"proximal_to_distal_ff_difference_pct", reporting::or_null(p.proximal_to_distal_ff_difference_pct)},
       {"posterior_to_anterior_ff_ratio", reporting::or_null(p.posterior_to_anterior_ff_ratio)},
       {"left_right_asymmetry_index_pct", reporting::or_null(p.left_right_asymmetry_index_pct)},
       {"most_involved_groups", p.most_involved_groups},
       {"sentences", p.sentences}};
}

// The raw-echo water-fat separation (report.json method.fat.echo_separation).
void to_json(nlohmann::json& j, const WaterFatSeparationMethod& w) {
  j = {{"name", w.name},
       {"series", w.series},
       {"echo_times_ms", w.echo_times_ms},
       {"field_strength_t", w.field_strength_t},
       {"fat_model", w.fat_model},
       {"fat_frequency_sign", w.fat_frequency_sign},
       {"r2star_fitted", w.r2star_fitted},
       {"field_map", w.field_map},
       {"block_mm", w.block_mm},
       {"regions", w.regions},
       {"phase_scale", w.phase_scale},
       {"seconds", w.seconds}};
}

}  // namespace myo::quantification

namespace myo::reporting {
namespace {

using nlohmann::json;

std::string text_field(const json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string();
}

// An optional number of a report entry: absent or null is unset, anything but a number an error.
std::optional<double> optional_number_field(const json& j, const char* key) {
  if (!j.contains(key) || j[key].is_null()) return std::nullopt;
  if (!j[key].is_number()) throw std::runtime_error(std::string("'") + key + "' is not a number");
  return j[key].get<double>();
}

// A grade 0..4 when present.
std::optional<int> grade_field(const json& j, const char* key) {
  const auto v = optional_number_field(j, key);
  if (!v) return std::nullopt;
  if (*v < 0 || *v > 4 || *v != std::floor(*v)) throw std::runtime_error(std::string("'") + key + "' is not a grade");
  return static_cast<int>(*v);
}

// A label number 0..65535. It must be an integer: get<int>() of 1e99 is a float-to-int overflow (undefined
// behaviour; found by testing/fuzz/fuzz_report_reader).
int label_number_field(const json& j, const char* key) {
  const auto& value = j.at(key);
  if (!value.is_number_integer() || value.get<long long>() < 0 || value.get<long long>() > 65535)
    throw std::runtime_error(std::string("'") + key + "' is not a label number");
  return value.get<int>();
}

// The entries of list KEY (absent: none); a malformed one throws, its message prefixed with WHAT.
template <class T>
std::vector<T> list_field(const json& doc, const char* key, const char* what) {
  if (!doc.contains(key) || !doc[key].is_array()) return {};
  try {
    return doc[key].get<std::vector<T>>();
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string(what) + e.what());
  }
}

json parse_report_file(const std::filesystem::path& path) {
  if (!std::filesystem::is_regular_file(path))
    throw core::MyoError(path.string(), "not found (expected an analysis folder)");
  try {
    return json::parse(core::read_text_file(path));
  } catch (const json::exception& e) {
    throw core::MyoError(path.string(), std::string("not valid JSON: ") + e.what());
  }
}

}  // namespace

void from_json(const json& j, StudyEntry& s) {
  s.study_instance_uid = text_field(j, "study_instance_uid");
  s.study_date = text_field(j, "study_date");
  s.study_description = text_field(j, "study_description");
  s.manufacturer = text_field(j, "manufacturer");
  s.patient_pseudonym = text_field(j, "patient_pseudonym");
  if (j.is_object() && j.contains("magnetic_field_strength_t") && j["magnetic_field_strength_t"].is_number())
    s.magnetic_field_strength_t = j["magnetic_field_strength_t"].get<double>();
}

// Numbers that are missing or not numbers read as 0, as the cohort database stores them.
void from_json(const json& j, SeriesEntry& s) {
  const auto whole = [&](const char* key) {
    return j.is_object() && j.contains(key) && j[key].is_number() ? j[key].get<long long>() : 0LL;
  };
  s.series_instance_uid = text_field(j, "series_instance_uid");
  s.split_key = text_field(j, "split_key");
  s.series_number = static_cast<int>(whole("series_number"));
  s.description = text_field(j, "description");
  s.role = text_field(j, "role");
  s.role_reason = text_field(j, "role_reason");
  s.orientation = text_field(j, "orientation");
  s.slice_count = static_cast<std::size_t>(std::max(0LL, whole("slice_count")));
  s.used_as = text_field(j, "used_as");
}

void from_json(const json& j, ReportedMuscle& m) {
  m.group = j.at("group").get<std::string>();
  m.side = j.at("side").get<std::string>();
  m.label = label_number_field(j, "label");
  m.volume_ml = j.at("volume_ml").get<double>();
  m.fat_fraction_pct = optional_number_field(j, "fat_fraction_pct");
  m.edema_fraction_pct = optional_number_field(j, "edema_fraction_pct");
  m.fat_fraction_interior_pct = optional_number_field(j, "fat_fraction_interior_pct");
  m.fat_fraction_median_pct = optional_number_field(j, "fat_fraction_median_pct");
  m.fat_fraction_p90_pct = optional_number_field(j, "fat_fraction_p90_pct");
  m.t1_fat_estimate_pct = optional_number_field(j, "t1_fat_estimate_pct");
  m.stir_ratio = optional_number_field(j, "stir_ratio");
  m.water_t2_ms = optional_number_field(j, "water_t2_ms");
  m.mercuri_grade = grade_field(j, "mercuri_grade");
  m.edema_grade = grade_field(j, "edema_grade");
  m.mercuri_modified_grade = text_field(j, "mercuri_modified_grade");
}

// A label entry: its value and volume 0 when absent (the cohort reads reports that list only the flags), an error
// when present but not a label number or not a number.
void from_json(const json& j, SingleMuscleEntry& m) {
  m.name = text_field(j, "name");
  m.group = text_field(j, "group");
  m.side = text_field(j, "side");
  m.label = j.contains("label") ? label_number_field(j, "label") : 0;
  m.volume_ml = optional_number_field(j, "volume_ml").value_or(0.0);
  m.fat_fraction_pct = optional_number_field(j, "fat_fraction_pct");
  m.fat_fraction_interior_pct = optional_number_field(j, "fat_fraction_interior_pct");
  m.edema_fraction_pct = optional_number_field(j, "edema_fraction_pct");
  m.confidence = optional_number_field(j, "segmentation_confidence").value_or(0.0);
  m.mean_probability = optional_number_field(j, "mean_probability").value_or(0.0);
  m.view_agreement = optional_number_field(j, "view_agreement");
  m.flagged = j.contains("flagged") && j["flagged"].is_boolean() && j["flagged"].get<bool>();
}

void from_json(const json& j, InputLabelEntry& l) {
  l.value = j.contains("value") ? label_number_field(j, "value") : 0;
  l.name = text_field(j, "name");
  l.group = text_field(j, "group");
  l.side = text_field(j, "side");
  l.volume_ml = optional_number_field(j, "volume_ml").value_or(0.0);
  l.fat_fraction_pct = optional_number_field(j, "fat_fraction_pct");
  l.fat_fraction_interior_pct = optional_number_field(j, "fat_fraction_interior_pct");
  l.edema_fraction_pct = optional_number_field(j, "edema_fraction_pct");
}

void from_json(const json& j, ReportRecord& r) {
  if (!j.is_object()) throw std::runtime_error("not a MyoScope report: not a JSON object");
  if (j.contains("study")) r.study = j["study"].get<StudyEntry>();
  if (j.contains("input")) r.input_path = text_field(j["input"], "path");
  r.protocol = text_field(j, "protocol");
  r.reference_series_uid = text_field(j, "reference_series_uid");
  r.series = list_field<SeriesEntry>(j, "series", "malformed series entry: ");
  r.lists_muscles = j.contains("muscles") && j["muscles"].is_array();
  r.muscles = list_field<ReportedMuscle>(j, "muscles", "malformed muscle entry: ");
  r.single_muscles = list_field<SingleMuscleEntry>(j, "single_muscles", "malformed label entry: ");
  r.input_labels = list_field<InputLabelEntry>(j, "input_labels", "malformed label entry: ");
  const auto limit = j.value(json::json_pointer("/method/segmentation/confidence_flag_below"), json());
  if (limit.is_number()) r.confidence_flag_below = limit.get<double>();
}

ReportRecord read_report(const std::filesystem::path& path) {
  const json doc = parse_report_file(path);
  try {
    return doc.get<ReportRecord>();
  } catch (const std::exception& e) {
    throw core::MyoError(path.string(), e.what());
  }
}

std::vector<ReportedMuscle> read_report_muscles(const std::filesystem::path& path) {
  auto record = read_report(path);
  if (!record.lists_muscles) throw core::MyoError(path.string(), "not a MyoScope report: no 'muscles' list");
  return std::move(record.muscles);
}

// A single muscle keeps its confidence; a label of corrected or user labels has none.
std::vector<ReportedLabel> read_report_labels(const std::filesystem::path& path) {
  const auto record = read_report(path);
  std::vector<ReportedLabel> labels;
  for (const auto& m : record.single_muscles)
    labels.push_back({m.label, m.volume_ml, m.fat_fraction_pct, m.edema_fraction_pct, m.confidence, m.flagged});
  for (const auto& l : record.input_labels)
    labels.push_back({l.value, l.volume_ml, l.fat_fraction_pct, l.edema_fraction_pct, std::nullopt, false});
  return labels;
}

}  // namespace myo::reporting
