#pragma once
// The analysis folder (`analyze -o`, `segment -o`, a batch's or node's per-study folder): one reader of what an
// analysis wrote, one writer of its volumes, and the rules of the folder as one transaction. File names:
// core/analysis_files.hpp.
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "myo/core/analysis_files.hpp"
#include "myo/core/volume.hpp"
#include "myo/quantification/quantify.hpp"
#include "myo/reporting/report.hpp"

namespace myo::pipeline {

// What an analysis's report.json says about its study; empty strings where it says nothing.
struct RecordedStudy {
  std::string study_instance_uid;
  std::string study_date;         // YYYYMMDD
  std::string patient_pseudonym;  // keyed hash of the patient identifiers
  std::string input_path;         // the study folder analysed; empty when the analysis is de-identified
};

// The study recorded in REPORT_JSON (a report.json, also one moved out of its folder). Throws core::MyoError (input)
// naming the file when it is missing or not JSON.
[[nodiscard]] RecordedStudy read_recorded_study(const std::filesystem::path& report_json);

// The maps a reader asks for besides the labels and the report's muscles.
struct MapRequest {
  bool fat_fraction = false;
  bool display_series = false;  // water, t1 and stir, each when present
  bool edema_mask = false;
  bool bone = false;
};
// Every map an analysis folder can hold (what `view` and `render` show).
inline constexpr MapRequest kAllMaps{true, true, true, true};

// An analysis read back. Every volume is on the labels' grid: one that is not is resampled explicitly (logged).
struct AnalysisContents {
  core::LabelVolume labels;
  std::vector<std::pair<std::string, core::ImageVolume>> display_series;  // ("water" | "t1" | "stir", image)
  std::optional<core::ImageVolume> fat_fraction_pct;
  std::optional<core::MaskVolume> edema_mask;
  std::optional<core::MaskVolume> bone;
  std::vector<quantification::GroupMeasurement> measurements;  // report.json's muscles
};

class AnalysisFolder {
 public:
  explicit AnalysisFolder(std::filesystem::path dir) : dir_(std::move(dir)) {}

  [[nodiscard]] const std::filesystem::path& path() const { return dir_; }
  [[nodiscard]] std::filesystem::path file(std::string_view name) const { return dir_ / name; }
  // Whether the folder holds report.json, the mark of a finished analysis.
  [[nodiscard]] bool has_report() const;

  // report.json's study; throws core::MyoError (input) naming report.json when it is missing or not JSON.
  [[nodiscard]] RecordedStudy study() const;
  // report.json as a whole (reporting::read_report, the one reader of it); throws core::MyoError naming report.json.
  [[nodiscard]] reporting::ReportRecord report() const;
  // report.json's muscles (reporting::read_report_muscles); throws core::MyoError naming report.json.
  [[nodiscard]] std::vector<reporting::ReportedMuscle> muscles() const;
  // labels.nii.gz, the maps asked for that exist, and the report's muscles. Throws core::MyoError naming the file.
  [[nodiscard]] AnalysisContents read(const MapRequest& maps) const;

  // The reader's corrected versions inside the folder ("corrected-1", "corrected-2", ...), oldest first.
  [[nodiscard]] std::vector<std::string> corrected_versions() const;
  // The folder name of corrected version `n` (n >= 1).
  [[nodiscard]] static std::string corrected_version_name(int n);
  // N of a folder named "corrected-N" (N >= 1, digits only); 0 for any other name.
  [[nodiscard]] static int corrected_version_number(const std::string& name);

 private:
  std::filesystem::path dir_;
};

// The volumes of an analysis that become NIfTI files (pointers: null when the study has no such image).
struct AnalysisVolumes {
  const core::LabelVolume* labels = nullptr;         // muscle groups, always written
  const core::LabelVolume* muscle_labels = nullptr;  // single muscles; null or empty when not segmented
  const core::ImageVolume* fat_fraction_pct = nullptr;
  const core::ImageVolume* water_t2_ms = nullptr;  // on the multi-echo series' own grid
  const core::ImageVolume* water = nullptr;        // display series, on the labels' grid
  const core::ImageVolume* t1 = nullptr;
  const core::ImageVolume* stir = nullptr;
  const core::MaskVolume* edema_mask = nullptr;
  const core::MaskVolume* bone = nullptr;               // null or empty when the user's labels were used
  const core::LabelVolume* corrected_labels = nullptr;  // a reader's corrected map (`myoscope edit`), else null
  const std::string* edit_log_json = nullptr;           // the log that made it
};

// Writes the labels always, and with `maps` the fat-fraction and water T2 maps, the display series for `view` and
// `render` and the edema and bone masks, into `dir` (an analysis folder's staging folder).
void write_analysis_volumes(const AnalysisVolumes& volumes, bool maps, const std::filesystem::path& dir);

// Whether `name`, an entry directly inside an analysis folder, is one that myoscope writes there (analyze, segment,
// compare, batch and serve markers). A rerun replaces the whole folder; entries not claimed here are the user's and
// are carried into the new folder (core::OutputFolderTransaction).
[[nodiscard]] bool written_by_myoscope(const std::string& name);

// An input inside an entry of `output` that the run replaces (INPUT = OUT/dicom) would be removed with the earlier
// analysis: throws core::MyoError naming `output` (an output error).
void refuse_input_replaced_with(const std::filesystem::path& output, const std::filesystem::path& input);

}  // namespace myo::pipeline
