#include "truth.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "myo/core/muscle_catalog.hpp"
#include "myo/core/version.hpp"

namespace myo::phantom::detail {
namespace {

using dicom::SeriesRole;

// Sums over the labelled voxels of the reference images, indexed by label.
struct LabelSums {
  std::vector<double> count, ff, voxel_ff, edema, fat_replaced;
  std::vector<std::vector<float>> water_t2;
};

LabelSums sum_by_label(const Rendered& reference, const core::LabelVolume& labels, bool water_t2) {
  const int max_label = core::MuscleCatalog::instance().max_label();
  LabelSums s;
  s.count.assign(static_cast<std::size_t>(max_label + 1), 0);
  s.ff = s.voxel_ff = s.edema = s.fat_replaced = s.count;
  s.water_t2.resize(s.count.size());
  for (std::size_t i = 0; i < labels.voxels.size(); ++i) {
    const auto label = labels.voxels[i];
    if (label == 0 || label > max_label) continue;
    s.count[label] += 1;
    s.ff[label] += reference.truth_fat_fraction[i];
    s.voxel_ff[label] += reference.truth_voxel_fat_fraction[i];
    s.edema[label] += reference.truth_edema[i];
    if (reference.truth_fat_fraction[i] > 0.5F) s.fat_replaced[label] += 1;
    if (water_t2 && reference.truth_water_t2_ms[i] > 0) s.water_t2[label].push_back(reference.truth_water_t2_ms[i]);
  }
  return s;
}

GroupSideTruth group_side_truth(const core::MuscleGroup& group, core::Side side, LabelSums& sums, double voxel_ml,
                                const GroupDisease& target) {
  const auto label = static_cast<std::size_t>(group.label(side));
  const double n = sums.count[label];
  const auto percent = [n](double sum) { return n > 0 ? 100.0 * sum / n : 0.0; };
  GroupSideTruth t;
  t.group = group.name;
  t.side = core::to_string(side);
  t.label = group.label(side);
  t.volume_ml = n * voxel_ml;
  t.fat_fraction_pct = percent(sums.ff[label]);
  t.fat_fraction_voxel_pct = percent(sums.voxel_ff[label]);
  t.edema_fraction_pct = percent(sums.edema[label]);
  t.fat_replaced_share_pct = percent(sums.fat_replaced[label]);
  t.target_fat_fraction_pct = 100.0 * target.fat_fraction;
  t.target_edema_pct = 100.0 * target.edema_fraction;
  if (auto& v = sums.water_t2[label]; !v.empty()) {
    double sum = 0;
    for (const float x : v) sum += x;
    t.water_t2_mean_ms = sum / static_cast<double>(v.size());
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
    t.water_t2_ms = v[v.size() / 2];
  }
  return t;
}

nlohmann::json geometry_json(const core::Geometry& g) {
  return {{"size", g.size}, {"spacing_mm", g.spacing_mm}, {"origin_mm", g.origin_mm}, {"direction", g.direction}};
}

nlohmann::json raw_echoes_json(const StudySetup& setup, const Anatomy& anatomy) {
  const auto c = anatomy.right_thigh_lateral_point(kSwapLevelMm);
  return {{"echo_times_ms", setup.raw_echo_times_ms},
          {"field_strength_t", 3.0},
          {"fat_spectrum", "six-peak (Hamilton 2011)"},
          {"r2star_per_s", kRawEchoR2s},
          {"field_map", fmt::format("smooth background plus a {:g} Hz Gaussian bump (sigma {:g} mm) centred at ({:.1f}, "
                                    "{:.1f}, {:.1f}) mm", kFieldBumpHz, kFieldBumpSigmaMm, c[0], c[1], c[2])},
          {"images", "magnitude and phase per echo instead of the scanner's water/fat/in-phase/opposed-phase series"}};
}

nlohmann::json parameters_json(const StudySetup& setup, const dicom::PatientStudyTags& study, const Anatomy& anatomy) {
  const PhantomParams& params = setup.params;
  nlohmann::json j = {{"vendor", vendor_name(setup.vendor)},     {"scenario", to_string(params.scenario)},
                      {"seed", params.seed},                     {"dixon", params.dixon},
                      {"coronal_stir", params.coronal_stir},     {"noise_level", params.noise_level},
                      {"dixon_voxel_mm", params.dixon_voxel_mm}, {"clinical_pixel_mm", params.clinical_pixel_mm}};
  j["scanner_fat_fraction"] = params.scanner_fat_fraction;
  if (params.t2_multi_echo)
    j["t2_multi_echo"] = {{"echo_times_ms", setup.echo_times_ms},
                          {"repetition_time_ms", kMeseTrMs},
                          {"muscle_water_t2_ms", kMuscleWaterT2Ms},
                          {"edema_water_t2_ms", kEdemaWaterT2Ms},
                          {"fat_t2_ms", kMeseFatT2Ms},
                          {"decay", "bi-exponential water + fat by the voxel fat fraction; no stimulated echoes"}};
  j["touching_thighs"] = params.touching_thighs;
  j["visit"] = {{"number", params.visit}, {"months_after_first", params.months_after_first},
                {"study_date", study.study_date}};
  if (params.raw_echoes > 0) j["raw_echoes"] = raw_echoes_json(setup, anatomy);
  if (params.swap_region) {
    const auto c = anatomy.right_thigh_lateral_point(kSwapLevelMm);
    j["swap_region"] = {{"centre_mm", {c[0], c[1], c[2]}}, {"radius_mm", kSwapRadiusMm},
                        {"images", "Dixon water and fat exchanged inside the ball; truth unchanged"}};
  }
  return j;
}

nlohmann::json protocol_json(const std::vector<SeriesPlan>& plans) {
  nlohmann::json protocol = nlohmann::json::array();
  for (const auto& p : plans) {
    nlohmann::json roles = nlohmann::json::array();
    for (const auto& image : p.images) roles.push_back(role_name(image.first));
    protocol.push_back({{"series_number", p.tags.series_number},
                        {"series_description", p.description},
                        {"series_instance_uid", p.tags.series_instance_uid},
                        {"roles", roles},
                        {"orientation", p.orientation},
                        {"three_d", p.tags.three_d},
                        {"files", p.files},
                        {"geometry", geometry_json(p.images.front().second->geometry)}});
  }
  return protocol;
}

nlohmann::json groups_json(const std::vector<GroupSideTruth>& truths) {
  nlohmann::json groups = nlohmann::json::array();
  for (const auto& t : truths) {
    groups.push_back({{"group", t.group},
                      {"side", t.side},
                      {"label", t.label},
                      {"volume_ml", t.volume_ml},
                      {"fat_fraction_pct", t.fat_fraction_pct},
                      {"fat_fraction_voxel_pct", t.fat_fraction_voxel_pct},
                      {"edema_fraction_pct", t.edema_fraction_pct},
                      {"fat_replaced_share_pct", t.fat_replaced_share_pct},
                      {"target_fat_fraction_pct", t.target_fat_fraction_pct},
                      {"target_edema_pct", t.target_edema_pct}});
    if (t.water_t2_ms) {
      groups.back()["water_t2_ms"] = *t.water_t2_ms;
      groups.back()["water_t2_mean_ms"] = *t.water_t2_mean_ms;
    }
  }
  return groups;
}

}  // namespace

void add_group_truth(const Rendered& reference, const Anatomy& anatomy, bool water_t2, PhantomTruth& truth) {
  truth.labels = reference.labels;
  LabelSums sums = sum_by_label(reference, truth.labels, water_t2);
  const double voxel_ml = truth.labels.geometry.voxel_volume_ml();
  const auto& catalog = core::MuscleCatalog::instance();
  for (std::size_t g = 0; g < catalog.groups().size(); ++g)
    for (const core::Side side : {core::Side::right, core::Side::left})
      truth.groups.push_back(group_side_truth(catalog.groups()[g], side, sums, voxel_ml,
                                              anatomy.disease()[g][side == core::Side::right ? 0 : 1]));
}

const SeriesPlan* describe_series(const std::vector<SeriesPlan>& plans, const PhantomParams& params,
                                  PhantomTruth& truth) {
  // With raw echoes the reference is the water computed from them, on their grid: the first echo's series.
  const SeriesRole reference_role =
      params.dixon ? (params.raw_echoes > 0 ? SeriesRole::dixon_echo : SeriesRole::dixon_water) : SeriesRole::t1;
  const SeriesPlan* reference_plan = nullptr;
  for (const auto& p : plans)
    for (const auto& image : p.images)
      if (image.first == reference_role && !reference_plan) reference_plan = &p;
  for (const auto& p : plans) truth.series_descriptions.push_back(p.description);
  if (reference_plan != nullptr) truth.reference_series_description = reference_plan->description;
  return reference_plan;
}

nlohmann::json truth_document(const StudySetup& setup, const dicom::PatientStudyTags& study, const Anatomy& anatomy,
                              const std::vector<SeriesPlan>& plans, const SeriesPlan* reference_plan,
                              const PhantomTruth& truth) {
  nlohmann::json j;
  j["schema"] = "myoscope-phantom-truth";
  j["schema_version"] = 1;
  j["software"] = {{"name", core::software_name()}, {"version", core::software_version()},
                   {"git", core::git_revision()}};
  j["parameters"] = parameters_json(setup, study, anatomy);
  const auto& body = anatomy.body();
  j["body"] = {{"subcutaneous_fat_mm", body.fat_mm},     {"body_scale", body.body_scale},
               {"muscle_bulk", body.muscle_bulk},        {"table_offset_mm", {body.offset_x, body.offset_y, body.offset_z}},
               {"rotation_deg", body.rotation_deg},      {"coordinates", "LPS mm; patient right is -x"}};
  j["protocol"] = protocol_json(plans);
  j["reference"] = {{"series_number", reference_plan ? reference_plan->tags.series_number : 0},
                    {"series_description", truth.reference_series_description},
                    {"role", setup.params.dixon ? "dixon_water" : "t1"},
                    {"geometry", geometry_json(truth.labels.geometry)},
                    {"labels_file", "labels.nii.gz"}};
  j["groups"] = groups_json(truth.groups);
  return j;
}

}  // namespace myo::phantom::detail
