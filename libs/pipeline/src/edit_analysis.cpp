#include "myo/pipeline/edit_analysis.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "myo/core/error.hpp"
#include "myo/core/log.hpp"
#include "myo/core/nifti_io.hpp"
#include "myo/editing/edit_log.hpp"
#include "myo/editing/label_edits.hpp"
#include "recorded_study.hpp"

namespace myo::pipeline {
namespace fs = std::filesystem;
namespace {

constexpr const char* kVersionPrefix = "corrected-";

// N of a folder named "corrected-N" (N >= 1, digits only); 0 for any other name.
int version_number(const std::string& name) {
  const std::string prefix = kVersionPrefix;
  if (name.rfind(prefix, 0) != 0 || name.size() == prefix.size() || name.size() > prefix.size() + 6) return 0;
  const auto digits = name.substr(prefix.size());
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }) || digits[0] == '0')
    return 0;
  return std::stoi(digits);
}

// The automatic version's label map: the single muscles when the segmentation wrote them, else the groups.
fs::path automatic_label_map(const fs::path& analysis) {
  for (const char* name : {"muscle_labels.nii.gz", "labels.nii.gz"})
    if (fs::is_regular_file(analysis / name)) return analysis / name;
  throw core::MyoError(analysis.string(), "holds no label map (labels.nii.gz): not an analysis folder");
}

using detail::RecordedStudy;

fs::path study_folder(const EditOptions& options, const RecordedStudy& recorded, const fs::path& report_file) {
  const fs::path study = options.study.empty() ? fs::path(recorded.path) : options.study;
  if (study.empty())
    throw core::MyoError(report_file.string(), "records no study folder (de-identified, or written by an older "
                                               "version): give the study with --study DIR");
  if (!fs::exists(study)) throw core::MyoError(study.string(), "study folder not found (give it with --study DIR)");
  return study;
}

// The reader named on the command line, else the one reader every edit names, else none.
std::string reader_of(const EditOptions& options, const editing::EditLog& log) {
  if (!options.reader.empty()) return options.reader;
  std::set<std::string> readers;
  for (const auto& e : log.edits) readers.insert(e.reader);
  return readers.size() == 1 ? *readers.begin() : std::string();
}

void refuse_non_analysis(const fs::path& analysis) {
  if (!fs::is_regular_file(analysis / "report.json"))
    throw core::MyoError(analysis.string(), "holds no report.json: not an analysis folder written by analyze");
  if (fs::exists(analysis / "edit_log.json"))
    throw core::MyoError(analysis.string(), "is a corrected version; give the analysis folder that holds it (" +
                                                analysis.parent_path().string() + ")");
}

}  // namespace

std::vector<std::string> corrected_versions(const fs::path& analysis) {
  std::vector<std::pair<int, std::string>> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(analysis, ec)) {
    const auto name = entry.path().filename().string();
    if (const int n = version_number(name); n > 0 && entry.is_directory()) found.emplace_back(n, name);
  }
  std::sort(found.begin(), found.end());
  std::vector<std::string> names;
  for (auto& f : found) names.push_back(std::move(f.second));
  return names;
}

EditOutcome edit_analysis(const EditOptions& options) {
  refuse_non_analysis(options.analysis);
  const auto log = editing::read_edit_log(options.edit_log);  // validated before anything else is read
  const auto versions = corrected_versions(options.analysis);
  const fs::path automatic = automatic_label_map(options.analysis);
  const fs::path source = versions.empty() ? automatic : options.analysis / versions.back() / "corrected_labels.nii.gz";

  ReaderCorrection correction;
  correction.automatic_labels = core::read_labels(automatic);
  correction.labels = versions.empty() ? correction.automatic_labels : core::read_labels(source);
  correction.voxels_changed = editing::apply_edits(correction.labels, log, options.edit_log.string());
  correction.edit_log = options.edit_log;
  correction.edit_log_json = editing::to_json_text(log);
  correction.edit_count = log.edits.size();
  correction.reader = reader_of(options, log);
  correction.edited_from = versions.empty() ? "automatic" : versions.back();
  correction.automatic_segmentation = options.analysis / "dicom" / "segmentation.dcm";
  log::info("edit: {} edits changed {} voxels of the {} version", log.edits.size(), correction.voxels_changed,
            correction.edited_from);

  const fs::path report_file = options.analysis / "report.json";
  const auto recorded = detail::recorded_study(report_file);
  AnalyzeOptions analyze;
  analyze.input = study_folder(options, recorded, report_file);
  analyze.study_instance_uid = recorded.study_instance_uid;
  const int next = versions.empty() ? 1 : version_number(versions.back()) + 1;
  analyze.output = options.analysis / (kVersionPrefix + std::to_string(next));
  analyze.write_figures = options.write_figures;
  analyze.write_reports = options.write_reports;
  analyze.deidentify = options.deidentify;
  analyze.on_stage = options.on_stage;
  analyze.correction = std::move(correction);
  EditOutcome outcome;
  outcome.voxels_changed = analyze.correction->voxels_changed;
  const auto analysed = analyze_study(analyze);
  outcome.exit_code = analysed.exit_code;
  outcome.report_path = analysed.report_path;
  outcome.version = analyze.output;
  return outcome;
}

}  // namespace myo::pipeline
