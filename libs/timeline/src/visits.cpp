#include "myo/timeline/visits.hpp"

#include <algorithm>
#include <map>

#include "myo/core/analysis_files.hpp"
#include "myo/core/error.hpp"
#include "myo/core/files.hpp"
#include "myo/core/log.hpp"
#include "myo/reporting/report.hpp"

namespace myo::timeline {
namespace fs = std::filesystem;

namespace {

// The group and side measures of a report's muscles; a side other than right or left throws, naming REPORT.
std::vector<GroupSideMeasure> measures_of(const std::vector<reporting::ReportedMuscle>& muscles,
                                          const fs::path& report) {
  std::vector<GroupSideMeasure> measures;
  for (const auto& m : muscles) {
    if (m.side != "right" && m.side != "left")
      throw core::MyoError(report.string(), "malformed muscle entry: side '" + m.side + "' is neither right nor left");
    measures.push_back({m.group, m.side, m.volume_ml, m.fat_fraction_pct, m.edema_fraction_pct});
  }
  return measures;
}

// The last component of FOLDER, also when it was given with a trailing slash.
std::string folder_name(const fs::path& folder) {
  const auto normal = folder.lexically_normal();
  return (normal.has_filename() ? normal.filename() : normal.parent_path().filename()).string();
}

bool is_analysis_folder(const fs::path& folder) {
  return fs::is_regular_file(folder / core::analysis_files::kReport);
}

void collect_below(const fs::path& dir, int depth, std::vector<fs::path>& found) {
  std::vector<fs::path> children;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.is_directory(ec) && entry.path().filename().string().front() != '.') children.push_back(entry.path());
  std::sort(children.begin(), children.end());
  for (const auto& child : children) {
    if (is_analysis_folder(child))
      found.push_back(child);
    else if (depth > 1)
      collect_below(child, depth - 1, found);
  }
}

}  // namespace

Visit read_visit(const fs::path& folder) {
  const fs::path report = folder / core::analysis_files::kReport;
  const auto record = reporting::read_report(report);
  if (!record.lists_muscles) throw core::MyoError(report.string(), "not a MyoScope report: no 'muscles' list");
  Visit visit;
  visit.folder = folder;
  visit.study_instance_uid = record.study.study_instance_uid;
  visit.patient_pseudonym = record.study.patient_pseudonym;
  const auto date = core::parse_dicom_date(record.study.study_date);
  if (!date)
    throw core::MyoError(report.string(), "study.study_date is missing or not a date (YYYYMMDD): the visit cannot be "
                                          "placed in time");
  visit.study_date = *date;
  visit.measures = measures_of(record.muscles, report);
  return visit;
}

std::vector<fs::path> find_analysis_folders(const std::vector<fs::path>& dirs) {
  std::vector<fs::path> found;
  for (const auto& dir : dirs) {
    if (!fs::is_directory(dir)) throw core::MyoError(dir.string(), "not a folder (expected an analysis or batch output)");
    if (is_analysis_folder(dir)) {
      found.push_back(dir);
      continue;
    }
    const auto before = found.size();
    collect_below(dir, 3, found);
    if (found.size() == before)
      throw core::MyoError(dir.string(), "holds no analysis (no report.json in it or up to three levels below)");
  }
  return found;
}

std::vector<Patient> group_by_patient(std::vector<Visit> visits) {
  std::map<std::string, Patient> by_key;
  for (auto& v : visits) {
    std::string key = v.patient_pseudonym;
    if (key.empty()) {
      log::warn("{}: no patient pseudonym in report.json (made by an earlier version, or the images lack PatientID, "
                "IssuerOfPatientID and PatientBirthDate): shown as a patient of its own",
                v.folder.string());
      key = "folder:" + v.folder.lexically_normal().string();
    }
    auto& patient = by_key[key];
    patient.key = key;
    patient.visits.push_back(std::move(v));
  }
  std::vector<Patient> patients;
  for (auto& [key, patient] : by_key) {
    std::sort(patient.visits.begin(), patient.visits.end(), [](const Visit& a, const Visit& b) {
      const auto da = core::days_since_epoch(a.study_date), db = core::days_since_epoch(b.study_date);
      return da != db ? da < db : a.folder.filename() < b.folder.filename();
    });
    patients.push_back(std::move(patient));
  }
  std::stable_sort(patients.begin(), patients.end(), [](const Patient& a, const Patient& b) {
    return core::days_since_epoch(a.visits.front().study_date) < core::days_since_epoch(b.visits.front().study_date);
  });
  return patients;
}

bool patient_matches(const Patient& patient, const std::string& key) {
  if (key.empty()) return false;
  if (key == patient.key) return true;
  const auto colon = patient.key.find(':');
  if (colon != std::string::npos) {
    const bool hex_prefix = key.size() >= 8 && patient.key.compare(colon + 1, key.size(), key) == 0;
    const bool full_prefix = key.size() >= colon + 9 && patient.key.rfind(key, 0) == 0;
    if (hex_prefix || full_prefix) return true;
  }
  return std::any_of(patient.visits.begin(), patient.visits.end(),
                     [&](const Visit& v) { return folder_name(v.folder) == key; });
}

}  // namespace myo::timeline
