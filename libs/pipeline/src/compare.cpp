#include "myo/pipeline/compare.hpp"
#include "myo/pipeline/analysis_folder.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>

#include "myo/core/calendar.hpp"
#include "myo/core/error.hpp"
#include "myo/core/files.hpp"
#include "myo/core/log.hpp"
#include "myo/core/patient_identity.hpp"
#include "myo/reporting/report.hpp"

namespace myo::pipeline {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// An analysis folder's report.json, or FOLDER itself when it names a report file.
fs::path report_in(const fs::path& folder) {
  const fs::path path = fs::is_directory(folder) ? AnalysisFolder(folder).file(core::analysis_files::kReport) : folder;
  if (!fs::exists(path)) throw core::MyoError(path.string(), "not found (expected an analysis folder)");
  return path;
}

// The study a report records; nothing when it cannot be read (reading its muscles then names the problem).
RecordedStudy study_of(const fs::path& report) {
  try {
    return read_recorded_study(report);
  } catch (const core::MyoError&) {
    return {};
  }
}

}  // namespace

AnalysisStudy analysis_study(const fs::path& folder) {
  AnalysisStudy out;
  out.report = report_in(folder);
  auto recorded = study_of(out.report);
  out.study_instance_uid = std::move(recorded.study_instance_uid);
  out.study_date = std::move(recorded.study_date);
  out.patient_pseudonym = std::move(recorded.patient_pseudonym);
  return out;
}

void check_same_patient(const fs::path& baseline, const std::string& followup_pseudonym, bool allow_different_patient) {
  const auto baseline_report = report_in(baseline);
  const auto before = analysis_study(baseline_report).patient_pseudonym;
  if (before.empty() || followup_pseudonym.empty()) {
    log::warn("{}: the patient cannot be checked (no PatientID, IssuerOfPatientID or PatientBirthDate recorded{}); "
              "make sure both analyses are of one patient",
              baseline_report.string(), before.empty() ? " in this analysis, made by an earlier version" : "");
    return;
  }
  if (before == followup_pseudonym) return;
  if (core::pseudonym_scheme(before) != core::pseudonym_scheme(followup_pseudonym)) {
    log::warn("{}: the patient cannot be checked (one analysis was made with the site key MYOSCOPE_SITE_KEY, the "
              "other without); make sure both analyses are of one patient",
              baseline_report.string());
    return;
  }
  if (!allow_different_patient)
    throw core::MyoError(baseline_report.string(),
                         "is of another patient than the follow-up (PatientID, IssuerOfPatientID or PatientBirthDate "
                         "differ); give --allow-different-patient if they are one patient under two records");
  log::warn("{}: of another patient than the follow-up by its identifiers; compared as asked "
            "(--allow-different-patient)",
            baseline_report.string());
}

Comparison compare_analyses(const fs::path& baseline, const fs::path& followup, const RepeatabilityLimits& limits,
                            bool allow_different_patient) {
  const auto study = analysis_study(followup);
  check_same_patient(baseline, study.patient_pseudonym, allow_different_patient);
  std::vector<FollowUpMeasurement> after;
  for (const auto& m : reporting::read_report_muscles(study.report))
    after.push_back({m.group, m.side, m.volume_ml, m.fat_fraction_pct, m.edema_fraction_pct});
  return compare_with_baseline(baseline, after, study.study_instance_uid, study.study_date, limits);
}

Comparison compare_with_baseline(const fs::path& baseline, const std::vector<FollowUpMeasurement>& after,
                                 const std::string& followup_study_uid, const std::string& followup_study_date,
                                 const RepeatabilityLimits& limits) {
  const auto baseline_report = report_in(baseline);
  const auto before = reporting::read_report_muscles(baseline_report);
  Comparison c;
  c.limits = limits;
  const auto baseline_study = study_of(baseline_report);
  c.baseline_study_uid = baseline_study.study_instance_uid;
  c.baseline_study_date = baseline_study.study_date;
  c.followup_study_uid = followup_study_uid;
  c.followup_study_date = followup_study_date;

  std::vector<std::string> worse_fat, better_edema, worse_edema, atrophy;
  for (const auto& b : before) {
    const auto a = std::find_if(after.begin(), after.end(),
                                [&](const auto& m) { return m.group == b.group && m.side == b.side; });
    if (a == after.end()) continue;  // group outside the follow-up's coverage
    GroupChange g;
    g.group = b.group;
    g.side = b.side;
    const std::string name = b.group + " (" + b.side + ")";
    g.fat_fraction_previous_pct = b.fat_fraction_pct;
    g.fat_fraction_current_pct = a->fat_fraction_pct;
    g.edema_fraction_previous_pct = b.edema_fraction_pct;
    g.edema_fraction_current_pct = a->edema_fraction_pct;
    if (b.fat_fraction_pct && a->fat_fraction_pct) {
      g.fat_fraction_change_points = *a->fat_fraction_pct - *b.fat_fraction_pct;
      g.fat_fraction_beyond_limits = std::abs(*g.fat_fraction_change_points) > limits.fat_fraction_points;
      if (g.fat_fraction_beyond_limits) {
        g.flags.push_back(*g.fat_fraction_change_points > 0 ? "fat fraction increased" : "fat fraction decreased");
        if (*g.fat_fraction_change_points > 0) worse_fat.push_back(name);
      }
    }
    if (b.edema_fraction_pct && a->edema_fraction_pct) {
      g.edema_fraction_change_points = *a->edema_fraction_pct - *b.edema_fraction_pct;
      g.edema_fraction_beyond_limits = std::abs(*g.edema_fraction_change_points) > limits.edema_fraction_points;
      if (g.edema_fraction_beyond_limits) {
        const bool up = *g.edema_fraction_change_points > 0;
        g.flags.push_back(up ? "edema increased" : "edema decreased");
        (up ? worse_edema : better_edema).push_back(name);
      }
    }
    if (b.volume_ml > 0) {
      g.volume_change_percent = 100.0 * (a->volume_ml - b.volume_ml) / b.volume_ml;
      if (std::abs(*g.volume_change_percent) > limits.volume_percent) {
        g.flags.push_back(*g.volume_change_percent > 0 ? "volume increased" : "volume decreased");
        if (*g.volume_change_percent < 0) atrophy.push_back(name);
      }
    }
    c.groups.push_back(std::move(g));
  }
  if (c.groups.empty()) throw core::MyoError(baseline_report.string(), "no muscle group in common with the follow-up");
  if (!c.baseline_study_uid.empty() && c.baseline_study_uid == c.followup_study_uid)
    c.sentences.push_back("Baseline and follow-up are the same study: differences show the method's repeatability.");
  const auto list = [](const std::vector<std::string>& names) {
    std::string out;
    for (std::size_t i = 0; i < names.size(); ++i) out += (i ? ", " : "") + names[i];
    return out;
  };
  if (!worse_fat.empty()) c.sentences.push_back("Fat fraction increased beyond repeatability in " + list(worse_fat) + ".");
  if (!worse_edema.empty()) c.sentences.push_back("Edema increased in " + list(worse_edema) + ".");
  if (!better_edema.empty()) c.sentences.push_back("Edema decreased in " + list(better_edema) + ".");
  if (!atrophy.empty()) c.sentences.push_back("Muscle volume decreased in " + list(atrophy) + ".");
  if (c.sentences.empty()) c.sentences.push_back("No change beyond the measurement's repeatability.");
  return c;
}

std::optional<double> months_between(const Comparison& c) {
  const auto before = core::parse_dicom_date(c.baseline_study_date);
  const auto after = core::parse_dicom_date(c.followup_study_date);
  if (!before || !after) return std::nullopt;
  return core::months_between(*before, *after);
}

std::string comparison_to_json(const Comparison& c) {
  const auto opt = [](const std::optional<double>& v) { return v ? json(*v) : json(nullptr); };
  json groups = json::array();
  for (const auto& g : c.groups)
    groups.push_back({{"group", g.group}, {"side", g.side},
                      {"fat_fraction_change_points", opt(g.fat_fraction_change_points)},
                      {"edema_fraction_change_points", opt(g.edema_fraction_change_points)},
                      {"volume_change_percent", opt(g.volume_change_percent)}, {"flags", g.flags}});
  return json{{"baseline", {{"study_instance_uid", c.baseline_study_uid}, {"study_date", c.baseline_study_date}}},
              {"followup", {{"study_instance_uid", c.followup_study_uid}, {"study_date", c.followup_study_date}}},
              {"repeatability_limits",
               {{"fat_fraction_points", c.limits.fat_fraction_points},
                {"edema_fraction_points", c.limits.edema_fraction_points},
                {"volume_percent", c.limits.volume_percent}}},
              {"groups", groups},
              {"sentences", c.sentences}}
             .dump(2) + "\n";
}

}  // namespace myo::pipeline
