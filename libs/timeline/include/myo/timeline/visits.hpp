#pragma once
// Visits: what one analysis folder's report.json says about a study (date, patient pseudonym, fat fraction and edema
// per muscle group and side), grouped by patient and ordered by study date.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "myo/core/calendar.hpp"

namespace myo::timeline {

struct GroupSideMeasure {
  std::string group;  // catalogue group name, e.g. "adductors"
  std::string side;   // "right" | "left"
  double volume_ml = 0;
  std::optional<double> fat_fraction_pct;
  std::optional<double> edema_fraction_pct;
};

struct Visit {
  std::filesystem::path folder;     // the analysis folder
  std::string study_instance_uid;
  core::Date study_date;
  std::string patient_pseudonym;    // report.json study.patient_pseudonym (keyed hash), empty when absent
  std::vector<GroupSideMeasure> measures;
};

struct Patient {
  // The pseudonym, or "folder:<name>" for an analysis without one (it is a patient of its own).
  std::string key;
  std::vector<Visit> visits;  // by study date, earliest first
};

// Reads FOLDER/report.json. Throws core::MyoError (input) naming report.json when it is missing, not JSON, or lacks a
// valid study date or the muscle list.
[[nodiscard]] Visit read_visit(const std::filesystem::path& folder);

// The analysis folders among DIRS: a folder holding report.json is one; any other folder (a batch output) is searched
// below for them, up to three levels deep, in name order. Throws core::MyoError (input) naming a DIR that does not
// exist or holds no analysis.
[[nodiscard]] std::vector<std::filesystem::path> find_analysis_folders(const std::vector<std::filesystem::path>& dirs);

// Groups visits by pseudonym (a visit without one is its own patient, with a warning), orders each patient's visits by
// study date, and patients by their first visit. Two visits of one patient on one date: both kept, by folder name.
[[nodiscard]] std::vector<Patient> group_by_patient(std::vector<Visit> visits);

// Whether KEY names this patient: its pseudonym or a prefix of it with at least 8 hex digits (with or without the
// "hmac-sha256:" scheme), or the folder name of one of its visits.
[[nodiscard]] bool patient_matches(const Patient& patient, const std::string& key);

}  // namespace myo::timeline
