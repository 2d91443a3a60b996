// Presenting a ScanResult: console table and JSON. Patient names, IDs and birth dates never appear: the output is
// pasted into tickets and e-mails.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "myo/core/exit_codes.hpp"
#include "myo/core/log.hpp"
#include "myo/dicom/scan.hpp"
#include "series_json.hpp"
#include "text_util.hpp"

namespace myo::dicom {
namespace {

std::string fmt_optional(const std::optional<double>& v) { return v ? fmt::format("{:g}", *v) : "-"; }

// Patients are numbered in scan order so the output can group studies without naming anyone.
std::map<std::string, int> patient_numbers(const ScanResult& r) {
  std::map<std::string, int> numbers;
  for (const auto& s : r.studies) {
    const auto key = s.patient_id + '\x1f' + s.patient_name;
    if (numbers.count(key) == 0) numbers.emplace(key, static_cast<int>(numbers.size()) + 1);
  }
  return numbers;
}

}  // namespace

std::string describe_series(const SeriesInfo& s) {
  if (s.split_key.empty()) return {};
  std::vector<std::string> parts;
  const auto complex = detail::to_lower(s.complex_component);
  const auto tokens = detail::split_values(detail::to_upper(s.image_type));
  const auto has = [&](const char* t) { return std::find(tokens.begin(), tokens.end(), t) != tokens.end(); };
  if (complex == "phase" || has("P") || has("PHASE")) {
    parts.emplace_back("phase");
  } else if (complex == "real" || has("R") || has("REAL")) {
    parts.emplace_back("real");
  } else if (complex == "imaginary" || has("I") || has("IMAGINARY")) {
    parts.emplace_back("imaginary");
  } else if (s.role == SeriesRole::other || s.role == SeriesRole::localizer) {
    parts.emplace_back("mag");
  }
  if (s.role != SeriesRole::other) parts.emplace_back(to_string(s.role));
  if (s.echo_time_ms) parts.push_back(fmt::format("TE{:g}", *s.echo_time_ms));
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : "_") + p;
  return out;
}

std::string format_scan_table(const ScanResult& r) {
  // The summary counts every problem listed below it: unreadable files and the series' own problems.
  std::string out = fmt::format("{} file(s) examined, {} DICOM, {} study(ies), {} unreadable file(s), {} series "
                                "problem(s)\n",
                                r.files_examined, r.dicom_files, r.studies.size(), r.problems.size(),
                                series_problem_count(r));
  const auto numbers = patient_numbers(r);
  for (const auto& study : r.studies) {
    out += fmt::format("\nPatient #{}  study {}  date {}  \"{}\"\n", numbers.at(study.patient_id + '\x1f' + study.patient_name),
                       study.study_instance_uid, study.study_date.empty() ? "-" : study.study_date, study.study_description);
    out += fmt::format("  {:>5} {:<40} {:<20} {:<9} {:>11} {:>17} {:>6} {:>6} {:<8}\n", "#", "description [part]", "role",
                       "plane", "cols x rows", "pixel mm", "slices", "TE ms", "vendor");
    for (const auto& s : study.series) {
      std::string description = s.description;
      if (!s.split_key.empty()) description += " [" + describe_series(s) + "]";
      out += fmt::format("  {:>5} {:<40} {:<20} {:<9} {:>11} {:>17} {:>6} {:>6} {:<8}\n", s.series_number,
                         description.substr(0, 40), to_string(s.role), s.orientation,
                         fmt::format("{}x{}", s.rows_columns[1], s.rows_columns[0]),
                         fmt::format("{:.3g} x {:.3g}", s.pixel_spacing_mm[1], s.pixel_spacing_mm[0]), s.slice_count,
                         fmt_optional(s.echo_time_ms), to_string(s.vendor));
      out += fmt::format("        role: {}\n", s.role_reason);
      if (s.volume_count > 1) {
        out += fmt::format("        4D: {} volumes of {} slices, varying by {}\n", s.volume_count, s.slice_count, s.volumes_vary_by);
      }
      for (const auto& p : s.problems) out += fmt::format("        problem: {}\n", p);
    }
  }
  if (!r.problems.empty()) {
    out += "\nUnreadable files:\n";
    for (const auto& p : r.problems) out += fmt::format("  {}: {}\n", p.path.string(), p.reason);
  }
  return log::printable(out);  // descriptions and file names come from untrusted files
}

std::string scan_to_json(const ScanResult& r) {
  nlohmann::json j;
  j["files_examined"] = r.files_examined;
  j["dicom_files"] = r.dicom_files;
  const auto numbers = patient_numbers(r);
  j["studies"] = nlohmann::json::array();
  for (const auto& study : r.studies) {
    nlohmann::json js;
    js["patient_number"] = numbers.at(study.patient_id + '\x1f' + study.patient_name);
    js["study_instance_uid"] = study.study_instance_uid;
    js["study_date"] = study.study_date;
    js["study_description"] = study.study_description;
    js["series"] = nlohmann::json::array();
    for (const auto& s : study.series) {
      nlohmann::json ss;
      detail::put_series_fields(ss, s, detail::SeriesJsonKeys::scan_report);
      ss["part"] = describe_series(s);
      ss["image_type"] = s.image_type;  // backslash-joined, as documented for `scan --json`
      ss["volume_count"] = s.volume_count;
      ss["volumes_vary_by"] = s.volumes_vary_by;
      ss["rows"] = s.rows_columns[0];
      ss["columns"] = s.rows_columns[1];
      ss["pixel_spacing_mm"] = s.pixel_spacing_mm;
      ss["file_count"] = s.files.size();
      ss["problems"] = s.problems;
      js["series"].push_back(std::move(ss));
    }
    j["studies"].push_back(std::move(js));
  }
  j["problems"] = nlohmann::json::array();
  for (const auto& p : r.problems) j["problems"].push_back({{"path", p.path.string()}, {"reason", p.reason}});
  // Tag values need not be UTF-8 (ISO_IR 100 exports): invalid bytes become U+FFFD instead of an exception.
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

int scan_exit_code(const ScanResult& r) {
  if (r.studies.empty()) return core::kExitInputError;
  if (!r.problems.empty()) return core::kExitPartial;
  return core::kExitOk;
}

}  // namespace myo::dicom
