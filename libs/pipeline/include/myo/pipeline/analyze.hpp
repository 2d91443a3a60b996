#pragma once
// One study in, one analysis folder out: report.json, measurements.csv, labels.nii.gz (+ fat_fraction.nii.gz).
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "myo/core/volume.hpp"

namespace myo::pipeline {

// One analysis stage finished: its name ("load", "segmentation", ...), its wall time and the time since the start.
struct StageProgress {
  std::string stage;
  double stage_seconds = 0;
  double elapsed_seconds = 0;
};

// Labels corrected by a reader (`myoscope edit`): they replace the segmentation as `--labels` would, and the
// report, the SEG and the version folder say so.
struct ReaderCorrection {
  core::LabelVolume labels;            // the corrected map, on the analysis grid, in catalogue values
  core::LabelVolume automatic_labels;  // the automatic version's map: the report gives each label's volume change
  std::filesystem::path edit_log;      // the log given (errors about the corrected labels name it)
  std::string edit_log_json;           // written beside the corrected version as edit_log.json
  std::size_t edit_count = 0;
  std::size_t voxels_changed = 0;
  std::string reader;       // ContentCreatorName of the corrected SEG; may be empty
  std::string edited_from;  // "automatic" or the version folder edited ("corrected-1", ...)
  std::filesystem::path automatic_segmentation;  // the automatic version's dicom/segmentation.dcm; empty if none
};

struct AnalyzeOptions {
  std::filesystem::path input;    // folder of one study's DICOM files (searched recursively)
  // Created if missing. Written as one transaction (core::OutputFolderTransaction): locked for the run, the new
  // analysis staged beside it and swapped in whole at the end; entries myoscope does not write are kept.
  std::filesystem::path output;
  std::string study_instance_uid;  // choose one study when the input holds several
  // Override detected roles, "SERIES_NUMBER=ROLE" or "SERIES_UID=ROLE", for unusual protocols.
  std::vector<std::string> role_overrides;
  // Bring your own segmentation: NIfTI/NRRD label map or DICOM SEG, with an optional label table (ITK-SNAP,
  // 3D Slicer colour table, TotalSegmentator class list) naming individual muscles to roll up into groups.
  std::filesystem::path labels_file;
  std::filesystem::path baseline;  // earlier analysis folder of the same patient: adds comparison.json + follow-up
  bool allow_different_patient = false;  // compare with a baseline whose patient identifiers differ (check_same_patient)

  std::filesystem::path label_table;
  std::filesystem::path model_file;  // muscle model file (training/segmentation/export.py); empty: the built-in one
  bool write_maps = true;      // fat_fraction.nii.gz beside the labels
  bool write_figures = true;   // figures/ (3D map, involvement strip, slice overlays); needs an X display
  // dicom/: SEG, TID 1500 SR, fat fraction parametric map, figures as secondary capture, and for the PACS reader the
  // overlay series (dicom/overlay/, no display needed), report.pdf as Encapsulated PDF and the edema SEG on the STIR
  bool write_dicom = true;
  bool write_reports = true;   // report.pdf and report.html (people read these; report.json is always written)
  bool deidentify = false;     // DICOM outputs without patient identifiers (basic profile), for research sharing
  // Water T2 from a multi-echo series: true fits mono-exponentially even when a Dixon fat fraction exists (to compare
  // with mono-exponential values of the literature or other software; fat then lengthens the T2 of fatty muscle).
  bool water_t2_monoexponential = false;
  std::function<void(const StageProgress&)> on_stage;  // progress display; called after each stage when set
  std::optional<ReaderCorrection> correction;          // set by `myoscope edit` (edit_analysis.hpp)
};

struct AnalyzeOutcome {
  int exit_code = 0;  // core::ExitCode: kExitPartial when files were skipped or an asked-for output is missing
  std::filesystem::path report_path;
  std::vector<std::string> warnings;
};

// What is wrong with a role override "SERIES=ROLE" (`analyze --role`) before any file is read: no '=', no series,
// or a role name that does not exist (the message lists the valid ones); empty when it is well formed.
[[nodiscard]] std::string role_override_problem(const std::string& text);

// Errors (no DICOM, no usable series, unwritable output) are reported through the log and the exit code;
// they name the input or output path concerned.
[[nodiscard]] AnalyzeOutcome analyze_study(const AnalyzeOptions& options);

}  // namespace myo::pipeline
