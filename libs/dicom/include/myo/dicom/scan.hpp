#pragma once
// Finding DICOM files, indexing them patient -> study -> series, and deciding each series' role.
// A "series" here is one reconstructable volume: a SeriesInstanceUID split further by image type / echo when one
// series holds several (Philips mDIXON holds W/F/IP/OP in one series).
#include <filesystem>
#include <map>
#include <optional>
#include <array>
#include <cstddef>
#include <string>
#include <vector>

#include "myo/core/coverage.hpp"
#include "myo/core/geometry.hpp"
#include "myo/dicom/series_role.hpp"

namespace myo::dicom {

struct FileProblem {
  std::filesystem::path path;
  std::string reason;
};

struct SeriesInfo {
  std::string series_instance_uid;
  std::string split_key;  // empty unless the series was split (e.g. "WATER", "FAT", "TE=4.6")
  int series_number = 0;
  std::string description;
  std::string modality;
  Vendor vendor = Vendor::unknown;
  std::string manufacturer;
  SeriesRole role = SeriesRole::other;
  std::string role_reason;  // which tags decided the role, e.g. "ImageType contains WATER"
  std::string image_type;   // backslash-joined ImageType (or FrameType) values
  std::string sequence_name;
  std::string scanning_sequence;
  std::optional<double> echo_time_ms;
  std::optional<double> repetition_time_ms;
  std::optional<double> inversion_time_ms;
  std::string orientation;  // "axial" | "coronal" | "sagittal" | "oblique" | "mixed"
  std::vector<std::filesystem::path> files;  // files holding this series' images
  std::size_t slice_count = 0;               // images (frames) belonging to this volume
  std::array<int, 2> rows_columns{0, 0};
  std::array<double, 2> pixel_spacing_mm{0, 0};
  std::optional<double> slice_thickness_mm;
  std::vector<std::string> problems;  // geometry or consistency problems found while indexing
  // Added for ingestion of real exports (additive; older code ignores them).
  std::string protocol_name;
  std::string sequence_variant;
  std::string complex_component;  // MAGNITUDE | PHASE | REAL | IMAGINARY when the files say so
  bool multi_frame = false;       // Enhanced MR (per-frame functional groups)
  std::size_t orientation_count = 0;  // distinct ImageOrientationPatient values
  // Where the slices lie (single-orientation series with positions only): unit slice normal (row x column cosine)
  // and the first/last slice position along it. Lets callers find table positions (stations) of one contrast.
  std::optional<core::Vec3> slice_normal;
  std::optional<std::array<double, 2>> extent_along_normal_mm;
  // Roles t2_multi_echo and dixon_echo: the echo train this echo belongs to (equal for all echoes of one train; see
  // find_echo_trains and find_dixon_echo_sets).
  std::string echo_train;
  std::optional<double> magnetic_field_strength_t;  // (0018,0087)
  // The volume's grid as the headers describe it (single orientation, regular slices; else null).
  std::optional<core::Geometry> geometry;
  // Several volumes at the same positions (time points, echoes, repeats), which convert writes as one 4D file: how
  // many, and what tells them apart ("echo", "temporal position", both, or "repeat"); slice_count and geometry are
  // then one volume's.
  std::size_t volume_count = 1;
  std::string volumes_vary_by;
};

struct StudyInfo {
  std::string study_instance_uid;
  std::string study_date;         // YYYYMMDD as in the file
  std::string study_description;
  std::string accession_number;
  std::string patient_id;         // kept for outputs that go back to the PACS; never logged
  std::string patient_name;       // idem
  std::string patient_birth_date; // idem
  std::string issuer_of_patient_id; // idem
  std::string patient_sex;
  std::string institution_name;
  std::vector<SeriesInfo> series;
};

struct ScanOptions {
  bool recursive = true;
  unsigned threads = 0;  // 0: the process-wide count (core::set_thread_count)
  // Whether each channel the analysis would use covers the reference series' grid (a series problem when it misses
  // the middle of its slices). An analysis question: `convert`, which writes every series on its own grid, skips it.
  bool check_channel_coverage = true;
};

struct ScanResult {
  std::vector<StudyInfo> studies;
  std::vector<FileProblem> problems;  // files that looked like DICOM but could not be read
  std::size_t files_examined = 0;
  std::size_t dicom_files = 0;
};

// Scans a folder (recursively), a DICOMDIR or a single file. Non-DICOM files are skipped quietly.
// Only headers are read (parsing stops before PixelData); files are read in parallel (options.threads).
// A file that looks like DICOM but cannot be read becomes a FileProblem; the scan never aborts because of one file.
[[nodiscard]] ScanResult scan(const std::filesystem::path& path, const ScanOptions& options = {});

// Problems of the series themselves (mixed orientations, gaps, ...), beside the unreadable files in `problems`.
[[nodiscard]] std::size_t series_problem_count(const ScanResult& result);

// Human-readable table of studies, series, roles, orientation, geometry, slice counts and problems. Never shows
// patient names, IDs or birth dates.
[[nodiscard]] std::string format_scan_table(const ScanResult& result);
// The same as JSON (schema: libs/dicom/README.md), without patient identifiers.
[[nodiscard]] std::string scan_to_json(const ScanResult& result);
// core::kExitInputError when no DICOM image was found, core::kExitPartial when some files were unreadable, else 0.
[[nodiscard]] int scan_exit_code(const ScanResult& result);

// Groups series that are table positions (stations) of one contrast: same role, image type, echo/repetition time,
// in-plane grid and slice normal, at different but contiguous or overlapping positions along the normal. Returns
// index groups (into `series`) of two or more, ordered along the normal; feed the loaded volumes to stitch_series.
[[nodiscard]] std::vector<std::vector<std::size_t>> find_stations(const std::vector<SeriesInfo>& series);

// The multi-echo spin-echo trains of a study: index groups (into `series`) of the parts with role t2_multi_echo
// that share SeriesInfo::echo_train, each sorted by echo time. Feed the members to load_echo_train.
[[nodiscard]] std::vector<std::vector<std::size_t>> find_echo_trains(const std::vector<SeriesInfo>& series);

// The raw multi-echo gradient-echo acquisitions of a study (role dixon_echo): index groups (into `series`) of the
// magnitude and phase parts that share SeriesInfo::echo_train, sorted by echo time, magnitude before phase. Feed the
// members to load_dixon_echoes.
[[nodiscard]] std::vector<std::vector<std::size_t>> find_dixon_echo_sets(const std::vector<SeriesInfo>& series);

// Of two candidate series for one role, whether `candidate` is preferred: axial first, then more slices (the main
// acquisition rather than a partial one).
[[nodiscard]] bool preferred_series(const SeriesInfo& candidate, const SeriesInfo& best);
// The series an analysis uses for each channel (null when the study lacks it; pointers into `series`): the
// preferred one of each role (see preferred_series); T1 axial only; STIR axial when there is one.
struct ChosenSeries {
  const SeriesInfo* water = nullptr;
  const SeriesInfo* fat = nullptr;
  const SeriesInfo* t1 = nullptr;
  const SeriesInfo* stir = nullptr;
  const SeriesInfo* fat_fraction_map = nullptr;
  const SeriesInfo* t2_map = nullptr;
};
[[nodiscard]] ChosenSeries choose_series(const std::vector<SeriesInfo>& series);

// A channel's coverage of the reference series, in the words `scan` and `analyze` both use: "covers 62.5 % of the
// grid of reference series 'T1_W' (#3); misses the middle of its slices at z -300 to -240 mm" (or "...; misses only
// the margins of its slices"). Empty when it covers every voxel.
[[nodiscard]] std::string coverage_problem(const SeriesInfo& reference, const core::GridCoverage& coverage);
// Short name of a series for messages: its description and number ("'Dixon_tra_F' (#5)"). No patient data.
[[nodiscard]] std::string series_label(const SeriesInfo& series);

// Whether a part holds phase images (ComplexImageComponent PHASE, ImageType P, GE or Philips private type).
[[nodiscard]] bool is_phase_part(const SeriesInfo& series);

// Short label of a series for tables and file names: the split key reduced to what tells the parts apart.
[[nodiscard]] std::string describe_series(const SeriesInfo& series);

}  // namespace myo::dicom
