#include "myo/pipeline/edit_analysis.hpp"
#include "myo/pipeline/analysis_folder.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "myo/core/error.hpp"
#include "myo/core/files.hpp"
#include "myo/core/log.hpp"
#include "myo/core/nifti_io.hpp"
#include "myo/editing/edit_log.hpp"
#include "myo/editing/label_edits.hpp"

namespace myo::pipeline {
namespace fs = std::filesystem;
namespace files = core::analysis_files;
namespace {

// The automatic version's label map: the single muscles when the segmentation wrote them, else the groups.
fs::path automatic_label_map(const AnalysisFolder& analysis) {
  for (const auto name : {files::kMuscleLabels, files::kLabels})
    if (fs::is_regular_file(analysis.file(name))) return analysis.file(name);
  throw core::MyoError(analysis.path().string(), "holds no label map (labels.nii.gz): not an analysis folder");
}

fs::path study_folder(const EditOptions& options, const RecordedStudy& recorded, const fs::path& report_file) {
  const fs::path study = options.study.empty() ? fs::path(recorded.input_path) : options.study;
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

void refuse_non_analysis(const AnalysisFolder& analysis) {
  const auto& dir = analysis.path();
  if (!analysis.has_report())
    throw core::MyoError(dir.string(), "holds no report.json: not an analysis folder written by analyze");
  if (fs::exists(analysis.file(files::kEditLog)))
    throw core::MyoError(dir.string(), "is a corrected version; give the analysis folder that holds it (" +
                                           dir.parent_path().string() + ")");
}

}  // namespace

fs::path latest_label_map(const fs::path& analysis) {
  const AnalysisFolder folder(analysis);
  const auto versions = folder.corrected_versions();
  return versions.empty() ? automatic_label_map(folder)
                          : AnalysisFolder(folder.file(versions.back())).file(files::kCorrectedLabels);
}

fs::path editable_analysis(const fs::path& shown) {
  auto folder = fs::absolute(shown).lexically_normal();
  if (folder.filename().empty()) folder = folder.parent_path();
  const bool corrected = fs::exists(folder / files::kEditLog);
  const AnalysisFolder analysis(corrected ? folder.parent_path() : folder);
  refuse_non_analysis(analysis);
  const auto versions = analysis.corrected_versions();
  const std::string latest = versions.empty() ? std::string() : versions.back();
  if (corrected ? folder.filename() != latest : !latest.empty())
    throw core::MyoError(folder.string(), "is not the latest version of the analysis; corrections apply to the latest: "
                                          "open " + analysis.file(latest).string());
  return analysis.path();
}

EditOutcome save_edits(const editing::EditLog& log, EditOptions options) {
  const auto versions = AnalysisFolder(options.analysis).corrected_versions();
  const int next = versions.empty() ? 1 : AnalysisFolder::corrected_version_number(versions.back()) + 1;
  options.edit_log = options.analysis / fmt::format("edits-{}.json", next);
  core::write_file_atomically(options.edit_log, editing::to_json_text(log));
  log::info("edit: {} edits written to {}", log.edits.size(), options.edit_log.string());
  return edit_analysis(options);
}

EditOutcome edit_analysis(const EditOptions& options) {
  const AnalysisFolder analysis(options.analysis);
  refuse_non_analysis(analysis);
  const auto log = editing::read_edit_log(options.edit_log);  // validated before anything else is read
  const auto versions = analysis.corrected_versions();
  const fs::path automatic = automatic_label_map(analysis);
  const fs::path source = latest_label_map(options.analysis);

  ReaderCorrection correction;
  correction.automatic_labels = core::read_labels(automatic);
  correction.labels = versions.empty() ? correction.automatic_labels : core::read_labels(source);
  correction.voxels_changed = editing::apply_edits(correction.labels, log, options.edit_log.string());
  correction.edit_log = options.edit_log;
  correction.edit_log_json = editing::to_json_text(log);
  correction.edit_count = log.edits.size();
  correction.reader = reader_of(options, log);
  correction.edited_from = versions.empty() ? "automatic" : versions.back();
  correction.automatic_segmentation = analysis.file(files::kDicom) / files::kDicomSegmentation;
  log::info("edit: {} edits changed {} voxels of the {} version", log.edits.size(), correction.voxels_changed,
            correction.edited_from);

  const fs::path report_file = analysis.file(files::kReport);
  const auto recorded = analysis.study();
  AnalyzeOptions analyze;
  analyze.input = study_folder(options, recorded, report_file);
  analyze.study_instance_uid = recorded.study_instance_uid;
  const int next = versions.empty() ? 1 : AnalysisFolder::corrected_version_number(versions.back()) + 1;
  analyze.output = analysis.file(AnalysisFolder::corrected_version_name(next));
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
