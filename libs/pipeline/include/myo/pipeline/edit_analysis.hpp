#pragma once
// `myoscope edit OUT --apply EDITS.json`: a reader's edit log replayed on an analysis folder's labels, then fat,
// edema, grades, report and DICOM results recomputed into a new version of the analysis (docs/edit-log.md).
//
// Versions: OUT itself is the automatic version and is never changed; each edit writes OUT/corrected-N (N = 1, 2,
// ...), a complete analysis folder of its own (one transaction, core::OutputFolderTransaction) holding
// corrected_labels.nii.gz and the edit_log.json that made it. An edit log applies to the latest version, so a
// second log corrects the first correction.
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "myo/editing/edit_log.hpp"
#include "myo/pipeline/analyze.hpp"

namespace myo::pipeline {

struct EditOptions {
  std::filesystem::path analysis;  // OUT: a folder written by `analyze` (its automatic version)
  std::filesystem::path edit_log;  // EDITS.json
  std::string reader;              // the reader's name for the corrected SEG; empty: the log's reader, if only one
  std::filesystem::path study;     // the study's DICOM folder; empty: the one report.json records
  bool write_figures = true;
  bool write_reports = true;
  bool deidentify = false;
  std::function<void(const StageProgress&)> on_stage;
};

struct EditOutcome {
  int exit_code = 0;                // as analyze's
  std::filesystem::path version;    // OUT/corrected-N
  std::filesystem::path report_path;
  std::size_t voxels_changed = 0;   // by this log
};

// The label map the next edit log applies to: the latest corrected version's corrected_labels.nii.gz, else the
// automatic single muscles (muscle_labels.nii.gz) or groups (labels.nii.gz). Throws when the folder holds none.
[[nodiscard]] std::filesystem::path latest_label_map(const std::filesystem::path& analysis);

// Validates the log (an input error naming the file and the edit's index), replays it on the latest version's label
// map and requantifies into the next version. Errors name the file concerned (core::MyoError).
[[nodiscard]] EditOutcome edit_analysis(const EditOptions& options);

// The analysis folder whose next version corrections of the folder `shown` make (the viewer's edit mode): `shown`
// itself when it is the automatic version without corrections, its parent when it is the latest corrected-N. Any
// other folder (an older version) is a MyoError naming the version to open instead.
[[nodiscard]] std::filesystem::path editable_analysis(const std::filesystem::path& shown);

// Writes `log` beside the analysis as edits-N.json (N: the version it makes) and replays it as `myoscope edit` does
// (`options.analysis` is the analysis folder; `options.edit_log` is set here).
[[nodiscard]] EditOutcome save_edits(const editing::EditLog& log, EditOptions options);

}  // namespace myo::pipeline
