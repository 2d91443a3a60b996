#pragma once
// Follow-up against baseline: change per group and side, flagged only beyond the measurement's repeatability.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "myo/core/repeatability.hpp"

namespace myo::pipeline {

// The limits live in core so that `timeline` flags changes by the same numbers.
using RepeatabilityLimits = core::RepeatabilityLimits;

struct GroupChange {
  std::string group;
  std::string side;
  std::optional<double> fat_fraction_change_points;
  std::optional<double> edema_fraction_change_points;
  std::optional<double> volume_change_percent;
  std::vector<std::string> flags;  // e.g. "fat fraction increased", "edema decreased", "volume decreased"
  bool fat_fraction_beyond_limits = false;  // |change| above the repeatability limit
  bool edema_fraction_beyond_limits = false;
  std::optional<double> fat_fraction_previous_pct, fat_fraction_current_pct;  // the values compared
  std::optional<double> edema_fraction_previous_pct, edema_fraction_current_pct;
};

struct Comparison {
  std::string baseline_study_uid;
  std::string followup_study_uid;
  std::string baseline_study_date;
  std::string followup_study_date;
  RepeatabilityLimits limits;
  std::vector<GroupChange> groups;
  std::vector<std::string> sentences;
};

// BASELINE and FOLLOWUP are analysis folders (each with report.json). Throws core::MyoError naming the file, also
// when they are of two patients (check_same_patient) unless `allow_different_patient`.
[[nodiscard]] Comparison compare_analyses(const std::filesystem::path& baseline, const std::filesystem::path& followup,
                                          const RepeatabilityLimits& limits = {}, bool allow_different_patient = false);
// Two analyses are of one patient when their patient pseudonyms (report.json study.patient_pseudonym: PatientID,
// IssuerOfPatientID and PatientBirthDate, keyed-hashed) are equal. Different: core::MyoError naming the baseline's
// report.json, unless `allow_different_patient` (then a warning). A baseline made before pseudonyms were recorded, or
// images without any of the three, cannot be checked: a warning.
void check_same_patient(const std::filesystem::path& baseline, const std::string& followup_pseudonym,
                        bool allow_different_patient);
// The same against a follow-up held in memory (the analysis being written), e.g. `analyze --baseline DIR`.
struct FollowUpMeasurement {
  std::string group;
  std::string side;
  double volume_ml = 0;
  std::optional<double> fat_fraction_pct;
  std::optional<double> edema_fraction_pct;
};
[[nodiscard]] Comparison compare_with_baseline(const std::filesystem::path& baseline,
                                               const std::vector<FollowUpMeasurement>& followup,
                                               const std::string& followup_study_uid,
                                               const std::string& followup_study_date,
                                               const RepeatabilityLimits& limits = {});
[[nodiscard]] std::string comparison_to_json(const Comparison& comparison);
// Months from the baseline's study date to the follow-up's (DICOM YYYYMMDD); unset when either is not a date.
[[nodiscard]] std::optional<double> months_between(const Comparison& comparison);

// The study an analysis folder (or its report.json) records; empty fields when missing. Throws core::MyoError when
// there is no report.json.
struct AnalysisStudy {
  std::filesystem::path report;
  std::string study_instance_uid, study_date, patient_pseudonym;
};
[[nodiscard]] AnalysisStudy analysis_study(const std::filesystem::path& folder);

}  // namespace myo::pipeline
