#pragma once
// The analysis report: the data contract other tools rely on (data/report.schema.json documents it).
#include <array>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "myo/quantification/pattern.hpp"
#include "myo/quantification/quantify.hpp"
#include "myo/quantification/water_fat_separation.hpp"
#include "myo/quantification/water_t2.hpp"

namespace myo::reporting {

// Version of report.json's layout; data/report.schema.json says what each version changed.
inline constexpr int kReportSchemaVersion = 2;

struct SeriesEntry {
  std::string series_instance_uid;
  std::string split_key;
  int series_number = 0;
  std::string description;
  std::string role;         // dixon_water, dixon_fat, ..., localizer, other
  std::string role_reason;  // which tags decided the role
  std::string orientation;
  std::size_t slice_count = 0;
  std::string used_as;      // "reference", "fat", "edema", ... or empty when not used
};

struct StudyEntry {
  std::string study_instance_uid;
  std::string study_date;
  std::string study_description;
  std::string manufacturer;
  double magnetic_field_strength_t = 0;
  std::string patient_pseudonym;  // core::patient_pseudonym: compared by follow-ups, never the identifiers
};

// A label of the user's own segmentation (`analyze --labels`), with the group it rolls up into.
struct InputLabelEntry {
  int value = 0;
  std::string name;
  std::string group;  // empty when not a catalogue muscle
  std::string side;   // right | left | both (split by patient geometry)
  double volume_ml = 0;
  std::optional<double> fat_fraction_pct;           // mean over the label, as for the groups
  std::optional<double> edema_fraction_pct;
  std::optional<double> fat_fraction_interior_pct{};  // mean over the label's interior, as for the groups
};

// A single muscle of the automatic segmentation (muscle_labels.nii.gz), with how far its labels can be trusted.
struct SingleMuscleEntry {
  std::string name;   // catalogue muscle name, e.g. "vastus_lateralis"
  std::string group;  // the catalogue group it rolls up into
  std::string side;   // right | left
  int label = 0;      // its value in muscle_labels.nii.gz
  double volume_ml = 0;
  std::optional<double> fat_fraction_pct;    // Dixon only; mean over the label, as for the groups
  std::optional<double> edema_fraction_pct;  // with STIR only
  double confidence = 0;                     // 0..1 (segmentation::MuscleConfidence)
  double mean_probability = 0;
  std::optional<double> view_agreement;
  bool flagged = false;                      // confidence below the limit: a warning names it
  std::optional<double> fat_fraction_interior_pct{};  // mean over the label's interior, as for the groups
};

// A channel (fat, STIR, ...) whose series misses part of the reference grid, and what it misses of each muscle
// group and single muscle (report.json "channel_coverage"). Numbers from it are null for those it covers less than
// min_covered_pct of; the others are measured over their covered voxels.
struct ChannelCoverageEntry {
  struct Label {
    std::string kind;  // "group" or "muscle"
    std::string name;
    std::string side;
    double uncovered_pct = 0;
    std::array<double, 2> uncovered_z_mm{};  // head-foot extent of its uncovered voxels (LPS z)
    bool numbers_withheld = false;
  };
  std::string channel;  // "fat", "t1", "stir", "scanner_fat_fraction", "t2_map"
  std::string series_instance_uid;
  int series_number = 0;
  std::string series_description;
  double covered_pct = 100.0;              // of the reference grid's voxels
  // Reference slices whose middle it misses (LPS z; see core::kCoverageMiddleShare); null when only margins.
  std::optional<std::array<double, 2>> uncovered_z_mm;
  double min_covered_pct = 0;
  std::vector<Label> labels;  // the groups and muscles it misses part of
};

// Labels corrected by a reader (`myoscope edit`): who, from which version, and the volume each label changed by
// against the automatic version's label map.
struct LabelCorrection {
  struct Change {
    int label = 0;
    std::string name;   // catalogue muscle or group name
    std::string group;  // the group it rolls up into
    std::string side;   // right | left
    double automatic_volume_ml = 0;
    double corrected_volume_ml = 0;
  };
  std::string reader;       // empty when not given
  std::string edited_from;  // "automatic" or the version folder edited ("corrected-1", ...)
  std::size_t edit_count = 0;
  std::size_t voxels_changed = 0;  // by this version's edit log
  std::vector<Change> changes;     // labels whose volume differs from the automatic version
};

// Change of one group and side since the baseline (follow-up minus baseline).
struct FollowUpRow {
  std::string group;  // catalogue name, e.g. "adductors"
  std::string side;   // "right" | "left"
  std::optional<double> fat_fraction_change_points;
  std::optional<double> edema_fraction_change_points;
  std::optional<double> volume_change_percent;
  std::vector<std::string> flags;  // changes beyond the repeatability limits, e.g. "fat fraction increased"
  // The values compared (previous -> current) and whether each change is beyond the repeatability limits.
  std::optional<double> fat_fraction_previous_pct{}, fat_fraction_current_pct{};
  std::optional<double> edema_fraction_previous_pct{}, edema_fraction_current_pct{};
  bool fat_fraction_beyond_limits = false;
  bool edema_fraction_beyond_limits = false;
};

// A comparison with a prior analysis (plain mirror of pipeline::Comparison; reporting does not see the pipeline).
struct FollowUp {
  std::string baseline_study_date;         // YYYYMMDD
  std::string followup_study_date;         // YYYYMMDD; empty = the report's own study date
  double fat_fraction_limit_points = 2.0;  // repeatability limits below which changes are not flagged
  double edema_fraction_limit_points = 5.0;
  double volume_limit_percent = 7.0;
  std::vector<FollowUpRow> rows;
  std::vector<std::string> sentences;
  std::optional<double> months_between{};  // from the two study dates
};

struct Report {
  int schema_version = kReportSchemaVersion;
  std::string software_name;
  std::string software_version;
  std::string git_revision;
  std::string created_utc;
  StudyEntry study;
  std::vector<SeriesEntry> series;
  std::string reference_series_uid;
  std::string protocol;  // "dixon" or "t1_stir" (no Dixon)
  std::vector<quantification::GroupMeasurement> muscles;
  std::vector<quantification::GroupProfile> profiles;  // per group and side, distal to proximal
  quantification::PatternSummary pattern;
  std::string segmentation_source = "automatic";  // or "user_labels", "reader_corrected"
  std::string segmentation_method;                // the model and how it was applied (automatic only)
  std::optional<double> confidence_flag_below;    // the confidence under which a muscle is flagged (automatic only)
  std::vector<SingleMuscleEntry> single_muscles;  // automatic segmentation only
  std::vector<InputLabelEntry> input_labels;
  std::optional<LabelCorrection> correction;  // set on a version written by `myoscope edit`
  // The study folder analysed (absolute), so `myoscope edit` can requantify; empty when de-identified.
  std::string input_path;
  quantification::QuantificationMethod quantification_method;
  std::optional<quantification::WaterT2Method> water_t2_fit;  // set when water T2 was fitted from a multi-echo series
  // Set when the Dixon water and fat were computed from raw echoes (no scanner water/fat images in the study).
  std::optional<quantification::WaterFatSeparationMethod> water_fat_separation;
  std::vector<std::string> segmentation_notes;
  std::vector<ChannelCoverageEntry> channel_coverage;  // channels that miss part of the reference grid
  // LPS z (scanner position, mm) of the crotch (perineum: the highest level at which the thighs are apart), the
  // reference of the figures' level axis; unset when the segmentation did not find it (e.g. with --labels).
  std::optional<double> level_reference_z_mm;
  std::vector<std::string> warnings;
  // Outputs that were asked for but not written (e.g. figures without a display): the run ends with exit code 4.
  std::vector<std::string> problems;
  std::map<std::string, double> stage_seconds;  // provenance: wall time of each stage
  std::map<std::string, double> stage_cpu_seconds;  // provenance: CPU time (user + system, all threads) of each stage
  std::map<std::string, double> stage_peak_rss_mib;  // provenance: the process's peak memory at the end of each stage
  unsigned threads = 0;  // provenance: the thread count the analysis ran with (`--threads`, 0 = unknown)
  // `analyze --previous`: the change since the patient's previous visit (report.json "change_since_previous").
  std::optional<FollowUp> change_since_previous;
};

[[nodiscard]] std::string to_json_text(const Report& report);
[[nodiscard]] std::string to_measurements_csv(const Report& report);
void write_report_json(const Report& report, const std::filesystem::path& path);         // atomic
void write_measurements_csv(const Report& report, const std::filesystem::path& path);    // atomic

// Reads the muscles of a report.json written by this or a compatible version. Throws MyoError naming the file.
struct ReportedMuscle {
  std::string group;
  std::string side;
  int label = 0;
  double volume_ml = 0;
  std::optional<double> fat_fraction_pct;
  std::optional<double> edema_fraction_pct;
  // Read when present (older reports may lack them).
  std::optional<double> fat_fraction_interior_pct;
  std::optional<double> fat_fraction_median_pct;
  std::optional<double> fat_fraction_p90_pct;
  std::optional<double> t1_fat_estimate_pct;
  std::optional<double> stir_ratio;
  std::optional<int> mercuri_grade;
  std::string mercuri_modified_grade;
  std::optional<int> edema_grade;
  std::optional<double> water_t2_ms;
};
[[nodiscard]] std::vector<ReportedMuscle> read_report_muscles(const std::filesystem::path& path);
// A label of the label map `myoscope edit` corrects, as report.json gives it: a single muscle of the automatic
// segmentation ("single_muscles", with its confidence) or a label of corrected or user labels ("input_labels").
struct ReportedLabel {
  int label = 0;
  double volume_ml = 0;
  std::optional<double> fat_fraction_pct;
  std::optional<double> edema_fraction_pct;
  std::optional<double> confidence;  // single muscles only
  bool flagged = false;
};
// report.json read back (the one reader; every tool that reads a report goes through it): its study, input, series,
// muscles and labels. What a report lacks is empty (or 0), except a muscle's group, side, label and volume, which must
// be there; a value of the wrong type is an error.
struct ReportRecord {
  StudyEntry study;
  std::string input_path;  // empty when de-identified
  std::string protocol;
  std::string reference_series_uid;
  std::vector<SeriesEntry> series;
  bool lists_muscles = false;  // whether the report has a "muscles" list (every report this software writes)
  std::vector<ReportedMuscle> muscles;
  std::vector<SingleMuscleEntry> single_muscles;
  std::vector<InputLabelEntry> input_labels;
  std::optional<double> confidence_flag_below;  // method.segmentation.confidence_flag_below
};
// Throws MyoError (input) naming the file when it is missing, not JSON, or holds a malformed entry.
[[nodiscard]] ReportRecord read_report(const std::filesystem::path& path);
// Both lists of report.json (either may be absent). Throws MyoError naming the file.
[[nodiscard]] std::vector<ReportedLabel> read_report_labels(const std::filesystem::path& path);
// A muscle read back from report.json as the measurement it was written from (the fields report.json carries).
[[nodiscard]] quantification::GroupMeasurement to_measurement(const ReportedMuscle& muscle);

}  // namespace myo::reporting
